// `pnpm lint` enforces the layering with dependency-cruiser (.dependency-cruiser.cjs) and
// scripts/check-workspace-deps.mjs. This proves each rule fires on a deliberately wrong import, in a throwaway copy of
// the layout (so the real sources are never touched), and that the real tree passes.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const depcruise = join(repo, 'node_modules', '.bin', 'depcruise');
const nodeMajor = Number(process.versions.node.split('.')[0]);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A miniature repo: the real config, and packages whose sources are given as { 'core/src/index.ts': '...' }. */
function miniRepo(files: Record<string, string>, manifests: Record<string, object> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'layering-'));
  dirs.push(dir);
  copyFileSync(join(repo, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  copyFileSync(join(repo, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'packages', path)), { recursive: true });
    writeFileSync(join(dir, 'packages', path), text);
  }
  for (const folder of new Set(Object.keys(files).map((path) => path.split('/')[0] as string))) {
    const manifest = { name: `@oauth-store/${folder}`, dependencies: {}, ...manifests[folder] };
    writeFileSync(join(dir, 'packages', folder, 'package.json'), JSON.stringify(manifest));
  }
  return dir;
}

function cruise(dir: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync(
      depcruise,
      ['packages', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: 'pipe',
      },
    );
    return { ok: true, output };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

const base = {
  'core/src/index.ts': 'export const core = 1;\n',
  'redis/src/index.ts': "import { core } from '../../core/src/index';\nexport const redis = core;\n",
  'postgres/src/index.ts': "import { core } from '../../core/src/index';\nexport const postgres = core;\n",
  'mcp-sdk/src/index.ts': "import { core } from '../../core/src/index';\nexport const bridge = core;\n",
  'envelope/src/index.ts': "import { core } from '../../core/src/index';\nexport const envelope = core;\n",
};

// dependency-cruiser 18 runs on Node 22+ only, as does this project (CI runs the suite on Node 22 and 24): on an older
// Node this fails loudly instead of skipping.
describe('layering rules (dependency-cruiser)', () => {
  if (nodeMajor < 22) {
    it('needs Node 22 or later', () => {
      throw new Error(`dependency-cruiser needs Node 22+; this is Node ${process.versions.node}.`);
    });
    return;
  }

  it('the real tree passes', () => {
    const result = cruise(repo);
    expect(result.output).toContain('no dependency violations');
  });

  it('a correct miniature passes', () => {
    expect(cruise(miniRepo(base)).ok).toBe(true);
  });

  it.each([
    ['core-imports-nothing-of-ours', 'core/src/bad.ts', "export * from '../../envelope/src/index';\n"],
    [
      'adapters-and-wrappers-never-import-each-other',
      'redis/src/bad.ts',
      "export * from '../../postgres/src/index';\n",
    ],
    [
      'adapters-and-wrappers-never-import-each-other',
      'envelope/src/bad.ts',
      "export * from '../../redis/src/index';\n",
    ],
    ['bridges-take-any-store', 'mcp-sdk/src/bad.ts', "export * from '../../envelope/src/index';\n"],
    ['only-tools-import-adapters', 'mcp-sdk/src/bad.ts', "export * from '../../redis/src/index';\n"],
  ])('%s fires on %s', (rule, path, text) => {
    const result = cruise(miniRepo({ ...base, [path]: text }));
    expect(result.ok).toBe(false);
    expect(result.output).toContain(rule);
  });
});

describe('workspace dependencies are declared (scripts/check-workspace-deps.mjs)', () => {
  const check = (dir: string) => {
    try {
      execFileSync(process.execPath, [join(repo, 'scripts', 'check-workspace-deps.mjs'), dir], { stdio: 'pipe' });
      return { ok: true, output: '' };
    } catch (error) {
      return { ok: false, output: String((error as { stderr?: Buffer }).stderr) };
    }
  };

  it('the real tree passes', () => {
    expect(check(repo).ok).toBe(true);
  });

  it('an undeclared @oauth-store import fails, naming the file and the package', () => {
    const dir = miniRepo({ ...base, 'redis/src/bad.ts': "export * from '@oauth-store/core';\n" });
    const result = check(dir);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('redis/src/bad.ts imports @oauth-store/core');
    const declared = miniRepo(
      { ...base, 'redis/src/bad.ts': "export * from '@oauth-store/core';\n" },
      { redis: { dependencies: { '@oauth-store/core': 'workspace:^' } } },
    );
    expect(check(declared).ok).toBe(true);
  });
});
