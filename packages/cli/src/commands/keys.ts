import { fileKeySource, rewrap } from '@oauth-store/envelope';
import { integerFlag, parseCommand, requiredFlag, stringFlag } from '../args';
import { collectionList } from '../collections';
import { generateKey, writeKeyFile } from '../keys';
import { UsageError } from '../usage-error';
import type { CommandIo } from './io';
import { withStore } from './with-store';

/** Help text of `oauth-store keys`. */
export const KEYS_HELP = `Usage: oauth-store keys generate [--out FILE] [--force]
       oauth-store keys rewrap --store URL --key-file FILE [--collections a,b] [--cursor C] [--skip-expiring-within MS] [--json]

generate  prints a new random 32-byte key-encryption key, base64 (what fileKeySource and envKeySource read), or
          writes it to --out FILE with mode 0600 (refusing to replace an existing file unless --force).
rewrap    re-wraps every record's data key under the key file's primary key, so an old key can be retired. The key
          file holds one key, or several as {"primary":"kid2","keys":{"kid2":"<base64>","kid1":"<base64>"}}.
          Payloads are not re-encrypted; expiry is kept. Resumable: on interruption it prints --cursor to pass.
`;

async function generate(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('keys generate', args, {
    out: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(KEYS_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError('keys generate: takes no arguments besides --out FILE.');
  const out = stringFlag(values.out);
  if (!out) {
    io.stdout(`${generateKey()}\n`);
    return 0;
  }
  await writeKeyFile(out, { overwrite: values.force === true });
  io.stderr(
    `Wrote a new key to ${out} (mode 0600). Keep a copy: records encrypted under it cannot be read without it.\n`,
  );
  return 0;
}

async function rewrapCommand(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommand('keys rewrap', args, {
    store: { type: 'string' },
    'key-file': { type: 'string' },
    collections: { type: 'string' },
    cursor: { type: 'string' },
    'skip-expiring-within': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(KEYS_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError('keys rewrap: takes no positional arguments.');
  const url = requiredFlag('keys rewrap', 'store', values.store, '--store redis://127.0.0.1:6379 --key-file keys.json');
  const keyFile = requiredFlag(
    'keys rewrap',
    'key-file',
    values['key-file'],
    '--store redis://127.0.0.1:6379 --key-file keys.json',
  );
  const collections = collectionList(stringFlag(values.collections));
  const skip = values['skip-expiring-within'];
  const material = await fileKeySource({ path: keyFile, encoding: 'base64' }).load();
  let lastCursor = stringFlag(values.cursor);
  try {
    const result = await withStore(url, (store) =>
      rewrap(store, material, {
        collections,
        ...(lastCursor ? { cursor: lastCursor } : {}),
        ...(skip !== undefined
          ? { skipExpiringWithinMs: integerFlag('keys rewrap', 'skip-expiring-within', skip, 0, 2 ** 40) }
          : {}),
        signal: io.signal,
        onProgress: (progress) => {
          if (progress.cursor) lastCursor = progress.cursor;
          io.status.update(
            `${progress.collection}: ${progress.scanned} scanned, ${progress.rewrapped} re-wrapped, ${progress.alreadyCurrent} already current, ${progress.failed} failed`,
          );
        },
      }),
    );
    io.status.done();
    if (values.json) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      io.stdout(
        [
          `Re-wrapped ${result.rewrapped} of ${result.scanned} records under ${result.primaryKid} (${result.alreadyCurrent} already were, ${result.expiringSoon} expire soon and were left, ${result.failed} failed).`,
          result.retainOldKeysUntil
            ? `Keep the old keys until ${new Date(result.retainOldKeysUntil).toISOString()}: records left under them expire by then.`
            : result.failed === 0
              ? 'No record needs the old keys any more in these collections.'
              : 'Some records could not be re-wrapped (tampered, or under a key the file lacks): keep the old keys.',
        ].join('\n') + '\n',
      );
    }
    return result.failed === 0 ? 0 : 1;
  } catch (error) {
    if (io.signal.aborted && lastCursor) io.stderr(`Interrupted. Resume with: --cursor ${lastCursor}\n`);
    throw error;
  }
}

/** `oauth-store keys generate|rewrap`. */
export async function keysCommand(args: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'generate') return generate(rest, io);
  if (sub === 'rewrap') return rewrapCommand(rest, io);
  if (sub === '--help' || sub === '-h') {
    io.stdout(KEYS_HELP);
    return 0;
  }
  throw new UsageError(
    'keys: use `oauth-store keys generate` or `oauth-store keys rewrap`; see `oauth-store keys --help`.',
  );
}
