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
  reporters: ['default', '<rootDir>/scripts/summary-reporter.cjs'],
};
