// Scaffolds packages/<folder> with the shared package.json shape, tsconfig, tsup config and jest config.
// Usage: node scripts/new-package.mjs <folder> "<description>" [--private]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const [folder, description = '', flag] = process.argv.slice(2);
if (!folder) throw new Error('usage: node scripts/new-package.mjs <folder> "<description>" [--private]');
const dir = new URL(`../packages/${folder}/`, import.meta.url);
const isPrivate = flag === '--private';
mkdirSync(new URL('src/', dir), { recursive: true });
mkdirSync(new URL('test/', dir), { recursive: true });
const write = (name, text) => {
  if (!existsSync(new URL(name, dir))) writeFileSync(new URL(name, dir), text);
};
const pkg = isPrivate
  ? {
      name: `@oauth-store/${folder}`,
      version: '0.0.0',
      private: true,
      description,
      type: 'module',
      exports: { '.': './src/index.ts' },
      scripts: { typecheck: 'tsc -p tsconfig.json' },
    }
  : {
      name: `@oauth-store/${folder}`,
      version: '0.1.0',
      description,
      license: 'MIT',
      type: 'module',
      sideEffects: false,
      engines: { node: '>=20.10' },
      exports: {
        '.': {
          import: { types: './dist/index.d.ts', default: './dist/index.js' },
          require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
        },
        './package.json': './package.json',
      },
      main: './dist/index.cjs',
      module: './dist/index.js',
      types: './dist/index.d.cts',
      files: ['dist', 'README.md'],
      scripts: {
        build: 'tsup',
        typecheck: 'tsc -p tsconfig.json',
        'lint:package': 'publint --strict && attw --pack . --format ascii',
      },
    };
write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
write(
  'tsconfig.json',
  `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2)}\n`,
);
if (!isPrivate) {
  write(
    'tsup.config.ts',
    "import { defineConfig } from 'tsup';\nimport { libraryConfig } from '../../scripts/tsup.base';\n\nexport default defineConfig(libraryConfig());\n",
  );
}
write(
  'jest.config.mjs',
  "import { jestProject } from '../../scripts/jest-preset.mjs';\n\nexport default jestProject(import.meta.url);\n",
);
console.log(`packages/${folder} ready`);
