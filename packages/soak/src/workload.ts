/**
 * The mixed OAuth workload one worker runs through the typed stores: DCR registrations (read, listed, some deleted),
 * proxy transactions, authorization codes that every worker competes for, and token sets that expire after 1-2 s.
 * Each operation is logged with its outcome and start/end times for the checkers.
 */
import { randomBytes } from 'node:crypto';
import type { LogRecord, OpName, OpRecord } from './log';
import { errorCode, outcomeUnknownOf, PROBES_COLLECTION, type SoakStores } from './stores';

/**
 * Codes are named after a time slot of this length, so every worker issuing or consuming in the same slot contends
 * for the same code (across processes), and exactly one of them may receive its grant.
 */
export const CODE_SLOT_MS = 50;
/** Token sets expire this long after they are written, plus up to the same again at random (1-2 s). */
export const TOKEN_TTL_MS = 1_000;
/** Token sets are read back up to this long after being written: before and after their expiry. */
const TOKEN_READ_WINDOW_MS = 4_000;
/** How many of its own live client ids a worker remembers for reads and deletes. */
const REMEMBERED_CLIENTS = 500;
/** Probe entries live this long: through the run and its read-back, then the backend reclaims them. */
const PROBE_TTL_MS = 30 * 60_000;
/** What a probe's first write stores, and what the acknowledged overwrite after its failure stores. */
export const PROBE_FIRST = new TextEncoder().encode('probe: first write');
export const PROBE_OVERWRITE = new TextEncoder().encode('probe: acknowledged overwrite');

const WEIGHTS: Array<[OpName, number]> = [
  ['register-client', 15],
  ['get-client', 10],
  ['delete-client', 4],
  ['list-clients', 4],
  ['transaction', 12],
  ['code', 30],
  ['token-put', 12],
  ['token-get', 13],
  ['probe-write', 6],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

/** The operation whose share of the cumulative weights contains `point` (0 <= point < TOTAL_WEIGHT). */
function pickOp(point: number): OpName {
  let sum = 0;
  for (const [op, weight] of WEIGHTS) {
    sum += weight;
    if (point < sum) return op;
  }
  return 'code';
}

type Outcome = Pick<OpRecord, 'r' | 'n' | 'exp'>;

/** One worker's workload: call {@link Workload.step} repeatedly (from several loops at once). */
export class Workload {
  readonly #worker: string;
  readonly #stores: SoakStores;
  readonly #log: (record: LogRecord) => void;
  readonly #clients: string[] = [];
  readonly #tokens: Array<{ key: string; at: number }> = [];
  /** Probe keys whose first write failed, waiting for an acknowledged overwrite. */
  readonly #failedProbes: string[] = [];
  #seq = 0;

  constructor(worker: string, stores: SoakStores, log: (record: LogRecord) => void) {
    this.#worker = worker;
    this.#stores = stores;
    this.#log = log;
  }

  /** Runs one operation, chosen at random by weight, and logs it. Never rejects. */
  async step(): Promise<void> {
    // A failure is in the log already (see #run).
    await this.#step().catch(() => {});
  }

  #step(): Promise<void> {
    const op = pickOp(Math.random() * TOTAL_WEIGHT);
    switch (op) {
      case 'register-client':
        return this.#register();
      case 'get-client':
        return this.#clients.length ? this.#getClient() : this.#register();
      case 'delete-client':
        return this.#clients.length ? this.#deleteClient() : this.#register();
      case 'list-clients':
        return this.#listClients();
      case 'transaction':
        return this.#transaction();
      case 'code':
        return this.#code();
      case 'token-put':
        return this.#tokenPut();
      case 'token-get':
        return this.#tokens.length ? this.#tokenGet() : this.#tokenPut();
      case 'probe-write':
      case 'probe-overwrite':
        return this.#failedProbes.length ? this.#probeOverwrite() : this.#probeWrite();
    }
  }

  async #run(op: OpName, key: string | undefined, body: () => Promise<Outcome>): Promise<void> {
    const t0 = Date.now();
    const base = { k: 'op' as const, w: this.#worker, op, ...(key === undefined ? {} : { key }) };
    try {
      const outcome = await body();
      this.#log({ ...base, t0, t1: Date.now(), ok: true, ...outcome });
    } catch (error) {
      const unk = outcomeUnknownOf(error);
      this.#log({
        ...base,
        t0,
        t1: Date.now(),
        ok: false,
        err: errorCode(error),
        ...(unk === undefined ? {} : { unk }),
      });
      throw error;
    }
  }

  #newKey(kind: string): string {
    return `${kind}-${this.#worker}-${++this.#seq}-${randomBytes(4).toString('hex')}`;
  }

  #register(): Promise<void> {
    const clientId = this.#newKey('client');
    return this.#run('register-client', clientId, async () => {
      await this.#stores.clients.registerClient({
        client_id: clientId,
        client_name: `soak ${this.#worker}`,
        redirect_uris: ['https://app.example/callback'],
        token_endpoint_auth_method: 'none',
      });
      this.#clients.push(clientId);
      if (this.#clients.length > REMEMBERED_CLIENTS) this.#clients.shift();
      return { r: 'created' };
    });
  }

  #getClient(): Promise<void> {
    const clientId = this.#clients[Math.floor(Math.random() * this.#clients.length)] as string;
    return this.#run('get-client', clientId, async () => {
      const client = await this.#stores.clients.getClient(clientId);
      return { r: client?.client_id === clientId ? 'found' : 'missing' };
    });
  }

  #deleteClient(): Promise<void> {
    const clientId = this.#clients.splice(Math.floor(Math.random() * this.#clients.length), 1)[0] as string;
    // Logged before the call: if this process dies mid-delete, the client may or may not be gone.
    this.#log({ k: 'intent', w: this.#worker, op: 'delete-client', key: clientId, t: Date.now() });
    return this.#run('delete-client', clientId, async () => ({
      r: (await this.#stores.clients.deleteClient(clientId)) ? 'deleted' : 'absent',
    }));
  }

  #listClients(): Promise<void> {
    return this.#run('list-clients', undefined, async () => {
      const page = await this.#stores.clients.listClients({ limit: 20 });
      return { r: String(page.clients.length) };
    });
  }

  #transaction(): Promise<void> {
    const key = this.#newKey('tx');
    return this.#run('transaction', key, async () => {
      const { transactions } = this.#stores.transactions;
      await transactions.put(key, {
        clientId: 'soak-client',
        redirectUri: 'https://app.example/callback',
        codeChallenge: randomBytes(32).toString('base64url'),
        codeChallengeMethod: 'S256',
        createdAt: new Date(),
      });
      return { r: (await transactions.take(key)) ? 'taken' : 'missing' };
    });
  }

  /** Issues the current slot's code if nobody has yet (with a grant unique to this issue), then consumes it. */
  #code(): Promise<void> {
    const key = `code-${Math.floor(Date.now() / CODE_SLOT_MS)}`;
    return this.#run('code', key, async () => {
      const codes = this.#stores.transactions.authorizationCodes;
      const nonce = this.#newKey('grant');
      await codes.issue(key, {
        clientId: 'soak-client',
        redirectUri: 'https://app.example/callback',
        createdAt: new Date(),
        nonce,
      });
      const result = await codes.consume(key);
      return result.ok ? { r: 'ok', n: String(result.grant.nonce) } : { r: result.reason };
    });
  }

  #tokenPut(): Promise<void> {
    const key = this.#newKey('token');
    const exp = Date.now() + TOKEN_TTL_MS + Math.floor(Math.random() * TOKEN_TTL_MS);
    return this.#run('token-put', key, async () => {
      // The store derives the TTL from expiresAt (see TransactionStore.upstreamTokens).
      await this.#stores.transactions.upstreamTokens.put(key, {
        accessToken: randomBytes(16).toString('base64url'),
        tokenType: 'Bearer',
        expiresAt: new Date(exp),
      });
      this.#tokens.push({ key, at: Date.now() });
      return { exp };
    });
  }

  /**
   * A write to a fresh key, for the "applied after it was reported failed" check: when it fails, the key is
   * remembered, a later probe overwrites it (acknowledged), and the read-back at the end tells whether the failed
   * write was applied after all (see checks.ts).
   */
  async #probeWrite(): Promise<void> {
    const key = this.#newKey('probe');
    try {
      await this.#run('probe-write', key, async () => {
        await this.#stores.store.set(PROBES_COLLECTION, key, PROBE_FIRST, { ttlMs: PROBE_TTL_MS });
        return { r: 'written' };
      });
    } catch {
      this.#failedProbes.push(key);
    }
  }

  /** Overwrites the oldest failed probe; on failure it stays queued for another attempt. */
  async #probeOverwrite(): Promise<void> {
    const key = this.#failedProbes.shift() as string;
    try {
      await this.#run('probe-overwrite', key, async () => {
        await this.#stores.store.set(PROBES_COLLECTION, key, PROBE_OVERWRITE, { ttlMs: PROBE_TTL_MS });
        return { r: 'written' };
      });
    } catch {
      this.#failedProbes.push(key);
    }
  }

  #tokenGet(): Promise<void> {
    const now = Date.now();
    while (this.#tokens.length && (this.#tokens[0] as { at: number }).at < now - TOKEN_READ_WINDOW_MS) {
      this.#tokens.shift();
    }
    if (!this.#tokens.length) return this.#tokenPut();
    const { key } = this.#tokens[Math.floor(Math.random() * this.#tokens.length)] as { key: string };
    return this.#run('token-get', key, async () => ({
      r: (await this.#stores.transactions.upstreamTokens.get(key)) ? 'found' : 'missing',
    }));
  }
}
