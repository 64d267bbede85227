import type { BackendProvider } from './backend';

/** Placeholder provider for a backend whose harness support is not written yet: fails loudly, never skips. */
export function notYet(name: string, envVar: string): BackendProvider {
  return {
    name,
    envVar,
    async startLocal() {
      throw new Error(`the test harness cannot start ${name} yet`);
    },
  };
}
