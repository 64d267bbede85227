// Every package with a jest.config.mjs is a jest project; a project's global setup (which starts the real
// backends it needs) runs only when at least one of its tests is selected.
import { existsSync, readdirSync } from 'node:fs';

const projects = readdirSync(new URL('./packages/', import.meta.url))
  .filter((name) => existsSync(new URL(`./packages/${name}/jest.config.mjs`, import.meta.url)))
  .map((name) => `<rootDir>/packages/${name}/jest.config.mjs`);

export default {
  projects,
  // A global option: jest ignores testTimeout inside project configs.
  testTimeout: 30_000,
  // Test files run in a worker process that is replaced once it holds more than this after a file, never in jest's
  // own process. On 2 cores jest otherwise runs every file in band, in one process that kept every file's modules
  // (three PGlite builds, several copies of each cloud SDK): CI's in-band run grew to 3.7 GB, slowed to twice its
  // earlier time, and a Redis get in the envelope tests missed its 2 s deadline, most likely during a long GC pause.
  // Setting a limit is also what makes jest use a worker at all (it never runs in band when this is set).
  workerIdleMemoryLimit: '1GB',
  reporters: ['default', '<rootDir>/scripts/summary-reporter.cjs'],
};
