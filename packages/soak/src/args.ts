/** Command-line options of `pnpm soak`. */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendName } from './backends';
import { BROKEN_KINDS, type BrokenKind } from './broken';
import { DEFAULT_OPTIONS, type SoakOptions } from './run-backend';

/** Parsed command line. */
export interface CliOptions {
  backends: BackendName[];
  soak: SoakOptions;
  /** Where to write the report; undefined with `--no-write`. */
  out: string | undefined;
}

/** Usage text. */
export const USAGE = `pnpm soak [options]

  --seconds N          workload duration per backend (default ${DEFAULT_OPTIONS.seconds})
  --only a,b           backends to soak: ${BACKEND_NAMES.join(', ')} (default all)
  --workers N          worker processes (default ${DEFAULT_OPTIONS.workers})
  --concurrency N      operations in flight per worker (default ${DEFAULT_OPTIONS.concurrency})
  --rate N             operations per second per worker (default ${DEFAULT_OPTIONS.opsPerSecond})
  --timeout-ms N       the adapters' bound on one operation (default ${DEFAULT_OPTIONS.timeoutMs})
  --faults N           faults to inject (default one per 5 s, 2 to 10; 0 for none)
  --broken KIND        break the store on purpose (${BROKEN_KINDS.join(', ')}): the soak must then FAIL
  --keep-logs          keep the workers' JSON-lines logs (the directory is printed)
  --out PATH           report file (default docs/reliability.md)
  --no-write           print the table only`;

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer`);
  return number;
}

function nonNegativeInteger(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new Error(`--${name} must be a whole number`);
  return number;
}

/** Parses `argv` (without node and the script); throws with a readable message on a bad option. */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--'),
    options: {
      seconds: { type: 'string' },
      only: { type: 'string' },
      workers: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      'timeout-ms': { type: 'string' },
      faults: { type: 'string' },
      broken: { type: 'string' },
      'keep-logs': { type: 'boolean' },
      out: { type: 'string' },
      'no-write': { type: 'boolean' },
    },
  });
  const backends = (values.only?.split(',').map((name) => name.trim()) ?? [...BACKEND_NAMES]) as BackendName[];
  const unknown = backends.filter((name) => !BACKEND_NAMES.includes(name));
  if (unknown.length) throw new Error(`unknown backend(s) ${unknown.join(', ')}; known: ${BACKEND_NAMES.join(', ')}`);
  const broken = values.broken as BrokenKind | undefined;
  if (broken !== undefined && !BROKEN_KINDS.includes(broken)) {
    throw new Error(`--broken must be one of ${BROKEN_KINDS.join(', ')}`);
  }
  return {
    backends,
    soak: {
      ...DEFAULT_OPTIONS,
      seconds: positiveInteger('seconds', values.seconds, DEFAULT_OPTIONS.seconds),
      workers: positiveInteger('workers', values.workers, DEFAULT_OPTIONS.workers),
      concurrency: positiveInteger('concurrency', values.concurrency, DEFAULT_OPTIONS.concurrency),
      opsPerSecond: positiveInteger('rate', values.rate, DEFAULT_OPTIONS.opsPerSecond),
      timeoutMs: positiveInteger('timeout-ms', values['timeout-ms'], DEFAULT_OPTIONS.timeoutMs),
      ...(values.faults === undefined ? {} : { faults: nonNegativeInteger('faults', values.faults) }),
      ...(broken ? { broken } : {}),
      ...(values['keep-logs'] ? { keepLogs: true } : {}),
    },
    out: values['no-write'] ? undefined : (values.out ?? 'docs/reliability.md'),
  };
}
