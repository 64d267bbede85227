// Error identity across two copies of core: the ESM and the CJS build loaded side by side in one process (what an app
// gets when one dependency imports and another requires @oauth-store/core). The builds are made here, from the current
// sources with core's own tsup config (tsup.config.ts, declarations skipped), into packages/core/.tmp/ (gitignored;
// inside the package so the builds resolve core's dependencies), and loaded by a plain Node process, not jest's module
// registry, so each copy really is a separate module instance.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const coreRoot = fileURLToPath(new URL('..', import.meta.url));
const tsup = fileURLToPath(new URL('../../../node_modules/.bin/tsup', import.meta.url));

let outDir: string;

beforeAll(() => {
  mkdirSync(join(coreRoot, '.tmp'), { recursive: true });
  outDir = mkdtempSync(join(coreRoot, '.tmp', 'brand-'));
  const build = spawnSync(tsup, ['--out-dir', outDir, '--no-dts', '--silent'], { cwd: coreRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`tsup build of core failed: ${build.stderr}${build.stdout}`);
}, 120_000);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

// Runs in a fresh Node process: imports the ESM build and requires the CJS build, and reports what each copy makes of
// the other's errors.
const probe = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const dir = process.argv[1];
const esm = await import(pathToFileURL(dir + '/index.js').href);
const cjs = createRequire(import.meta.url)(dir + '/index.cjs');
const fromCjs = new cjs.StoreUnavailableError('lost', { source: 'cjs', outcomeUnknown: true });
const fromEsm = new esm.InvalidKeyError('bad', { source: 'esm' });
const driverError = new cjs.NotSupportedError('no such thing', { source: 'cjs-driver' });
const store = esm.defineStore({
  capabilities: { name: 'probe', maxKeyBytes: 512, maxCollectionBytes: 64, maxValueBytes: 16, nativeTtl: false, atomicTake: true, compareAndSet: true },
  timeoutMs: 1000,
  read: async () => undefined,
  write: async () => true,
  remove: async () => false,
  take: async () => { throw driverError; },
  list: async () => ({ keys: [] }),
  close: async () => undefined,
});
const rejected = await store.take('c', 'k').then(() => undefined, (error) => error);
const plain = Object.assign(new Error('x'), { code: 'unavailable' });
console.log(JSON.stringify({
  twoCopies: esm.OAuthStoreError !== cjs.OAuthStoreError,
  sameBrand: esm.OAUTH_STORE_ERROR_BRAND === cjs.OAUTH_STORE_ERROR_BRAND,
  esmSeesCjs: esm.isOAuthStoreError(fromCjs),
  esmSeesCjsWithCode: esm.isOAuthStoreError(fromCjs, 'unavailable'),
  esmWrongCode: esm.isOAuthStoreError(fromCjs, 'conflict'),
  cjsSeesEsm: cjs.isOAuthStoreError(fromEsm),
  cjsSeesEsmWithCode: cjs.isOAuthStoreError(fromEsm, 'invalid_key'),
  instanceofBase: fromCjs instanceof esm.OAuthStoreError,
  instanceofSubclass: fromCjs instanceof esm.StoreUnavailableError,
  instanceofOtherSubclass: fromCjs instanceof esm.InvalidKeyError,
  reverseInstanceof: fromEsm instanceof cjs.InvalidKeyError,
  outcomeUnknownAcross: esm.isOutcomeUnknown(fromCjs),
  driverErrorKept: rejected === driverError,
  driverErrorCode: rejected?.code,
  plainErrorBranded: esm.isOAuthStoreError(plain) || plain instanceof esm.OAuthStoreError,
}));
`;

describe('error brand across the ESM and CJS builds', () => {
  it('each copy recognises the other copy’s errors, by brand and by instanceof', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe, outDir], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      twoCopies: true,
      sameBrand: true,
      esmSeesCjs: true,
      esmSeesCjsWithCode: true,
      esmWrongCode: false,
      cjsSeesEsm: true,
      cjsSeesEsmWithCode: true,
      instanceofBase: true,
      instanceofSubclass: true,
      instanceofOtherSubclass: false,
      reverseInstanceof: true,
      outcomeUnknownAcross: true,
      // A typed error from the other copy passes through the runtime as is, not re-wrapped as `unavailable`.
      driverErrorKept: true,
      driverErrorCode: 'not_supported',
      plainErrorBranded: false,
    });
  }, 60_000);
});
