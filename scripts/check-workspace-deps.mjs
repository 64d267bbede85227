// `pnpm lint`: a package's sources import only the @oauth-store packages its package.json declares (dependencies or
// peerDependencies; devDependencies too for the private tooling packages). dependency-cruiser resolves workspace
// imports through tsconfig paths, so it cannot see this half of "a package imports only what it declares".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? process.cwd();
const packagesDir = join(root, 'packages');
const importPattern = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](@oauth-store\/[a-z0-9-]+)/g;
const problems = [];

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

for (const folder of readdirSync(packagesDir)) {
  const manifestPath = join(packagesDir, folder, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...(manifest.private ? Object.keys(manifest.devDependencies ?? {}) : []),
  ]);
  for (const file of sourceFiles(join(packagesDir, folder, 'src'))) {
    for (const [, name] of readFileSync(file, 'utf8').matchAll(importPattern)) {
      if (!declared.has(name))
        problems.push(`${file.slice(root.length + 1)} imports ${name}, which ${folder}/package.json does not declare`);
    }
  }
}

if (problems.length > 0) {
  console.error(`${problems.join('\n')}\nDeclare each in dependencies or peerDependencies (or remove the import).`);
  process.exit(1);
}
console.log('workspace dependencies: every @oauth-store import is declared');
