import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// Every ```ts sample in docs/ and the root README is written to a module of its own and type-checked against the
// workspace sources, so a renamed export or a changed option breaks this test instead of a reader's copy-paste.

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const outDir = join(here, '..', '.tmp');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

interface Sample {
  file: string;
  line: number;
  code: string;
}

function samples(): Sample[] {
  const files = [join(repoRoot, 'README.md'), ...markdownFiles(join(repoRoot, 'docs'))];
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)].map((match) => ({
      file: relative(repoRoot, file),
      line: text.slice(0, match.index).split('\n').length,
      code: match[1] ?? '',
    }));
  });
}

describe('documentation samples', () => {
  it('finds the samples (so a broken extractor cannot pass by checking nothing)', () => {
    const found = samples();
    expect(found.length).toBeGreaterThanOrEqual(7);
    expect(found.map((sample) => sample.file)).toContain('README.md');
  });

  it('type-checks every TypeScript sample in docs/ and README.md', () => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const names = samples().map((sample, index) => {
      const name = `${sample.file.replace(/[^a-zA-Z0-9]+/g, '_')}_L${sample.line}_${index}.ts`;
      // `export {}` keeps every sample a module, so top-level await and local names never clash.
      writeFileSync(join(outDir, name), `// ${sample.file}:${sample.line}\n${sample.code}\nexport {};\n`);
      return name;
    });
    writeFileSync(
      join(outDir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../../tsconfig.base.json', compilerOptions: { noEmit: true }, files: names }),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);
});
