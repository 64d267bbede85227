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
