import type { ProcessFactory } from '../options';

/**
 * `execArgv` and `env` for a {@link ProcessFactory} whose module is TypeScript: the child loads it through tsx
 * (which must be installed: `npm i -D tsx`). tsx reads `tsconfig.json` from the working directory; pass `tsconfig`
 * (a path) to use another one, for example one whose `paths` map workspace packages to their sources.
 *
 * @example
 * processFactory: { module: path.resolve('src/index.ts'), exportName: 'createMyStore', config, ...tsxChildOptions() }
 */
export function tsxChildOptions(options: { tsconfig?: string } = {}): Pick<ProcessFactory, 'execArgv' | 'env'> {
  return {
    execArgv: ['--import', 'tsx'],
    env: options.tsconfig ? { TSX_TSCONFIG_PATH: options.tsconfig } : {},
  };
}
