/**
 * `pnpm soak`: soaks every backend in turn (or those named with --only), prints the results table and writes
 * docs/reliability.md. Exits non-zero when any backend failed a check.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseCli, USAGE } from './args';
import { keepMarkedBlocks } from './kept-blocks';
import { describeMachine, renderReport } from './report';
import { type BackendRun, soakBackend } from './run-backend';
import { type BackendError, details, resultsTable } from './table';

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const cli = parseCli(process.argv.slice(2));
  const machine = describeMachine();
  const date = new Date();
  const runs: BackendRun[] = [];
  const errors: BackendError[] = [];
  const log = (line: string) => console.log(`[soak] ${line}`);
  for (const backend of cli.backends) {
    try {
      const run = await soakBackend(backend, { ...cli.soak, onProgress: log });
      runs.push(run);
      log(`${backend}: ${run.passed ? 'PASS' : 'FAIL'}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push({ backend, error: message.split('\n')[0]?.slice(0, 300) ?? 'unknown error' });
      log(`${backend}: ERROR ${message}`);
    }
  }
  machine.load[1] = loadavg()[0] ?? 0;
  console.log(`\n${resultsTable(runs, errors)}\n`);
  for (const run of runs) console.log(`${details(run)}\n`);
  if (cli.out) {
    // Blocks other tools keep in the same file (the contract-under-load results) survive the regeneration.
    const previous = existsSync(cli.out) ? readFileSync(cli.out, 'utf8') : undefined;
    writeFileSync(
      cli.out,
      keepMarkedBlocks(
        previous,
        renderReport({
          runs,
          errors,
          options: cli.soak,
          machine,
          date,
          command: ['pnpm soak', ...process.argv.slice(2).filter((arg) => arg !== '--')].join(' '),
        }),
      ),
    );
    log(`wrote ${cli.out}`);
  }
  return errors.length === 0 && runs.every((run) => run.passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(USAGE);
    process.exit(2);
  },
);
