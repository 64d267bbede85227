/**
 * Measures how long each of the harness's three ways takes to give each backend (ensureBackend, from asking to a
 * backend that answers), and prints the Markdown table in docs/testing.md.
 *
 *   bash scripts/docker/prepare.sh all    # images for the testcontainers way
 *   $(npx -y node@22 -p process.execPath) node_modules/tsx/dist/cli.mjs packages/test-servers/bin/measure-start-times.ts [runs]
 *
 * Node 22 because testcontainers 12 needs it. Each cell is the median of `runs` (default 3) sequential starts; every
 * backend is stopped before the next starts. The env way is measured with the variable pointing at a placeholder URL:
 * the harness takes it as given and starts nothing, so it costs what reading a variable costs.
 */
import { loadavg } from 'node:os';
import { ensureBackend, FORCED_WAY_VAR, providers } from '../src/index';
import type { BackendWay } from '../src/way';

const runs = Number(process.argv[2] ?? 3);
const backends = ['redis', 'redis-cluster', 'postgres', 'dynamodb', 'firestore', 'gcs'];
const ways: BackendWay[] = ['env', 'local', 'testcontainers'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function measure(name: string, way: BackendWay): Promise<string> {
  const provider = providers[name];
  if (!provider) throw new Error(`unknown backend ${name}`);
  if (way === 'testcontainers' && !provider.startContainer) return 'no container recipe';
  process.env[FORCED_WAY_VAR] = way;
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    if (way === 'env') process.env[provider.envVar] = 'placeholder://given-by-the-user';
    else delete process.env[provider.envVar];
    try {
      const backend = await ensureBackend(name);
      times.push(backend.startMs);
      await backend.stop();
    } catch (error) {
      return `failed: ${(error instanceof Error ? error.message : String(error)).split('\n').pop()?.trim()}`;
    }
  }
  delete process.env[provider.envVar];
  return `${median(times)} ms`;
}

const load = loadavg()[0]?.toFixed(1);
const rows: string[] = [];
for (const name of backends) {
  const cells: string[] = [];
  for (const way of ways) cells.push(await measure(name, way));
  rows.push(`| ${name} | ${cells.join(' | ')} |`);
  process.stderr.write(`${rows.at(-1)}\n`);
}
console.log(`Median of ${runs} starts, Node ${process.versions.node}, load average ${load} at the start:\n`);
console.log('| backend | env URL | throwaway local server | testcontainers |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) console.log(row);
