/** Command-line options of `pnpm bench`. */
import { parseArgs } from 'node:util';

/** Every backend the benchmark knows, in run order (the names of bench-backends.ts, which follows the registry). */
export const BACKENDS = ['redis', 'postgres', 'mysql', 'sqlite', 'dynamodb', 'firestore', 'gcs'] as const;
/** A backend name. */
export type BackendName = (typeof BACKENDS)[number];
/** Backends that get the full table (raw, ours, ours + envelope, Keyv; latency and throughput). */
export const FULL_BACKENDS: readonly BackendName[] = ['redis', 'postgres', 'mysql', 'sqlite'];

/** Parsed options. */
export interface BenchOptions {
  /** Operations per contender per cell on Redis and PostgreSQL; undefined when `seconds` decides. */
  readonly ops: number | undefined;
  /** Approximate seconds of measurement per backend; the warm-up's timings turn it into an operation count. */
  readonly seconds: number | undefined;
  /** Operations per cell on the emulators and the fake, as a fraction of the Redis/PostgreSQL count. */
  readonly emulatorShare: number;
  /** Warm-up operations per contender per operation. */
  readonly warmup: number;
  /** Backends to run. */
  readonly only: readonly BackendName[];
  /** Operations in the key-source load count run. */
  readonly keyLoadOps: number;
  /** Where to write the report; undefined with `--no-write`. */
  readonly out: string | undefined;
  /** Where to write the machine-readable report (`--json FILE`), if anywhere. */
  readonly json: string | undefined;
  /** Whether to take the CPU profiles that explain missed targets (off with `--no-profile`). */
  readonly profile: boolean;
  /** Clients in the listing/migration memory run (`--scale N`; 0 skips it). Needs redis and postgres in the run. */
  readonly scale: number;
  /** Logins per run of the demo's login comparison (`--logins N`; 0 skips it). */
  readonly logins: number;
}

/** Share of `--ops` the emulators and the fake run: their operations take milliseconds, not microseconds. */
export const EMULATOR_SHARE = 0.1;
/** Default operations per latency cell: the whole run takes about two to three minutes on the 2-core machine. */
export const DEFAULT_OPS = 2000;
/** Default clients of the listing/migration memory run (issue 16: "listing or migrating 100,000 clients"). */
export const DEFAULT_SCALE = 100_000;
/** Default logins per run of the demo's login comparison. */
export const DEFAULT_LOGINS = 50;

/** The `--help` text. */
export const USAGE = `Usage: pnpm bench [--ops N | --seconds S] [--only ${BACKENDS.join(',')}]
                  [--warmup N] [--key-load-ops N] [--out FILE | --no-write] [--json FILE]
                  [--no-profile] [--scale N] [--logins N]
  --ops N          operations per contender per latency cell on Redis/PostgreSQL (default ${DEFAULT_OPS});
                   the emulators and the GCS fake run a tenth of it; throughput cells run about
                   two seconds per contender (between N and 10 N operations)
  --seconds S      instead of --ops: about S seconds of measurement per backend (sized from the warm-up)
  --only LIST      comma-separated backends to run (default: all)
  --warmup N       warm-up operations per contender per operation (default 300)
  --key-load-ops N operations in the key-source load count run (default 10000)
  --out FILE       report path (default docs/benchmarks.md); --no-write prints only
  --json FILE      also write the figures and each target's verdict as JSON (shape: bench-json.ts)
  --no-profile     skip the CPU and allocation profiles that break down where a missed target goes
  --scale N        clients written, listed and migrated in the heap-peak run (default ${DEFAULT_SCALE}; 0 skips;
                   runs when both redis and postgres are in the run)
  --logins N       logins per run of the demo's login comparison (default ${DEFAULT_LOGINS}; 0 skips)`;

function wholeOrZero(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number (0 skips), got "${text}"`);
  return value;
}

function positive(name: string, text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
}

/** Parses argv (without node and the script); throws with a message saying what is wrong. */
export function parseBenchArgs(argv: readonly string[], defaultOut: string): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ops: { type: 'string' },
      seconds: { type: 'string' },
      only: { type: 'string' },
      warmup: { type: 'string' },
      'key-load-ops': { type: 'string' },
      out: { type: 'string' },
      'no-write': { type: 'boolean' },
      json: { type: 'string' },
      'no-profile': { type: 'boolean' },
      scale: { type: 'string' },
      logins: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  if (values.ops !== undefined && values.seconds !== undefined) throw new Error('give --ops or --seconds, not both');
  const only = values.only === undefined ? [...BACKENDS] : values.only.split(',').map((name) => name.trim());
  const unknown = only.filter((name) => !(BACKENDS as readonly string[]).includes(name));
  if (unknown.length > 0 || only.length === 0) {
    throw new Error(`--only takes a comma-separated list of ${BACKENDS.join(', ')}; got "${values.only}"`);
  }
  const seconds = positive('seconds', values.seconds, undefined);
  return {
    ops: seconds === undefined ? Math.round(positive('ops', values.ops, DEFAULT_OPS) as number) : undefined,
    seconds,
    emulatorShare: EMULATOR_SHARE,
    warmup: Math.round(positive('warmup', values.warmup, 300) as number),
    only: BACKENDS.filter((name) => only.includes(name)),
    keyLoadOps: Math.round(positive('key-load-ops', values['key-load-ops'], 10_000) as number),
    out: values['no-write'] ? undefined : (values.out ?? defaultOut),
    json: values.json,
    profile: !values['no-profile'],
    scale: wholeOrZero('scale', values.scale, DEFAULT_SCALE),
    logins: wholeOrZero('logins', values.logins, DEFAULT_LOGINS),
  };
}
