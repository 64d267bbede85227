// Paths for child processes that run this repository's TypeScript sources (see tsconfig.child.json).
import { fileURLToPath } from 'node:url';
import { tsxChildOptions } from '../../src/index';

/** The package root of @oauth-store/contract-tests. */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
/** tsconfig that maps @oauth-store/* to the workspace sources. */
export const childTsconfig = fileURLToPath(new URL('../../tsconfig.child.json', import.meta.url));
/** execArgv and env for a child that imports workspace TypeScript. */
export const workspaceChild = tsxChildOptions({ tsconfig: childTsconfig });
/** Absolute path of a file under test/fixtures/. */
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
