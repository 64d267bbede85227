// Child process of the cross-process take test of @oauth-store/contract-tests. Plain JavaScript (no build step),
// shipped as is. Started with child_process.fork(); talks to the parent over the IPC channel:
//   child  -> { type: 'hello' }   (listening)
//   parent -> { type: 'init', module, exportName, config }   child -> { type: 'ready' }
//   parent -> { type: 'take', collection, keys, concurrency, startAt }
//             then, per batch of `concurrency` keys: child -> { type: 'batch-ready' }, parent -> { type: 'go', batch }
//             (the parent releases a batch once every child is ready for it), finally
//             child -> { type: 'result', wins: [[key, base64]], failures }
//   parent -> { type: 'cas', collection, rounds: [{ key, version, value, remove }], concurrency, startAt }
//             then the same batches of `concurrency` rounds, finally
//             child -> { type: 'result', wins: [[key, 'set' | 'delete']], failures }
//             (one compare-and-set per round on the version the parent read, all children at once)
//   child  -> { type: 'error', stage, error } on any failure, then exits non-zero.
// Values travel base64-encoded; the parent checks each one. Nothing here logs keys or values.
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

let store;
let finished = false;

function send(message) {
  return new Promise((done) => process.send(message, () => done()));
}

function describe(error) {
  if (error && typeof error === 'object') {
    return {
      name: String(error.name ?? 'Error'),
      code: error.code === undefined ? undefined : String(error.code),
      message: String(error.message ?? ''),
    };
  }
  return { name: typeof error, message: String(error) };
}

// Absolute paths and relative paths resolve against the working directory; package names resolve from it too (so
// they find the user's dependencies rather than this package's), falling back to a plain import.
function importable(specifier) {
  if (/^(file|data|node):/.test(specifier)) return specifier;
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  if (specifier.startsWith('.')) return pathToFileURL(resolve(specifier)).href;
  try {
    return pathToFileURL(createRequire(join(process.cwd(), 'noop.js')).resolve(specifier)).href;
  } catch {
    return specifier;
  }
}

async function init({ module, exportName, config }) {
  const name = exportName ?? 'createStore';
  const loaded = await import(importable(module));
  const factory = loaded[name] ?? loaded.default?.[name];
  if (typeof factory !== 'function') throw new TypeError(`the module has no function export named ${name}`);
  store = await factory(config);
  if (!store || typeof store.take !== 'function') throw new TypeError(`${name}(config) did not return a store`);
  // Open the connections before reporting ready: a pool that connects lazily would otherwise spend the start of the
  // race connecting while a warmer child takes every key, and no race would be observed.
  await Promise.all(Array.from({ length: 8 }, () => store.get('contract-warmup', 'warmup')));
  // Run the race's own operations once, on a key of this child's: their first call may load a server-side script
  // (Redis EVALSHA -> NOSCRIPT -> load), prepare a statement or compile code paths, and a child paying that inside the
  // race falls behind a warmer one.
  const key = `warmup-${process.pid}`;
  await store.take('contract-warmup', key);
  if (store.capabilities?.compareAndSet) {
    await store.set('contract-warmup', key, Buffer.from('w'));
    const entry = await store.getEntry('contract-warmup', key);
    if (entry) {
      await store.set('contract-warmup', key, Buffer.from('x'), { ifVersion: entry.version });
      const written = await store.getEntry('contract-warmup', key);
      if (written) await store.delete('contract-warmup', key, { ifVersion: written.version });
    }
    await store.delete('contract-warmup', key);
  }
}

// 'go' messages of the barrier, by batch number, and whoever waits for one.
const released = new Set();
let onRelease;
function waitForGo(batch) {
  return new Promise((done) => {
    const check = () => {
      if (released.has(batch)) done();
      else onRelease = check;
    };
    check();
  });
}

// Runs `items` in batches of `size`, each batch all at once and only when the parent releases it to every child
// together, so a child that fell behind starts level again at the next batch instead of losing every later key or
// round to the leader.
async function inBatches(items, size, attempt) {
  for (let batch = 0; batch * size < items.length; batch += 1) {
    await send({ type: 'batch-ready' });
    await waitForGo(batch);
    await Promise.all(items.slice(batch * size, (batch + 1) * size).map(attempt));
  }
}

// Every child takes the keys in the same order and batches, starting at the same wall-clock instant (startAt, chosen
// by the parent), so the children contend for the same key at the same moment.
async function takeAll({ collection, keys, concurrency, startAt }) {
  while (Date.now() < startAt) await new Promise((done) => setTimeout(done, Math.min(5, startAt - Date.now())));
  const wins = [];
  const failures = [];
  await inBatches(keys, concurrency, async (key) => {
    try {
      const value = await store.take(collection, key);
      if (value !== undefined) wins.push([key, Buffer.from(value).toString('base64')]);
    } catch (error) {
      failures.push(describe(error));
    }
  });
  return { wins, failures };
}

// Compare-and-set race: every child writes (or deletes) each round's key on the SAME version, read once by the parent,
// so exactly one may succeed per round whatever the timing; the rounds go in the same batches in every child.
async function casAll({ collection, rounds, concurrency, startAt }) {
  while (Date.now() < startAt) await new Promise((done) => setTimeout(done, Math.min(5, startAt - Date.now())));
  const wins = [];
  const failures = [];
  await inBatches(rounds, concurrency, async ({ key, version, value, remove }) => {
    try {
      const won = remove
        ? await store.delete(collection, key, { ifVersion: version })
        : await store.set(collection, key, Buffer.from(value, 'base64'), { ifVersion: version });
      if (won) wins.push([key, remove ? 'delete' : 'set']);
    } catch (error) {
      failures.push(describe(error));
    }
  });
  return { wins, failures };
}

async function fail(stage, error) {
  try {
    await send({ type: 'error', stage, error: describe(error) });
  } finally {
    process.exit(1);
  }
}

// The channel closes when this child is done, or when the parent went away (timeout, crash): exit either way.
process.on('disconnect', () => process.exit(finished ? 0 : 2));

process.on('message', (message) => {
  if (message?.type === 'go') {
    released.add(message.batch);
    onRelease?.();
  } else if (message?.type === 'init') {
    init(message).then(
      () => send({ type: 'ready' }),
      (error) => fail('init', error),
    );
  } else if (message?.type === 'take' || message?.type === 'cas') {
    (message.type === 'take' ? takeAll(message) : casAll(message))
      .then(
        (result) => send({ type: 'result', ...result }),
        (error) => fail('take', error),
      )
      .then(() => store.close())
      .then(
        () => {
          finished = true;
          process.disconnect();
        },
        (error) => fail('close', error),
      );
  }
});

// Announce only now that the listener is attached: messages sent before it would be lost.
send({ type: 'hello' });
