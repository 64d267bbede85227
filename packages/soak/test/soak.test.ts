// The short soak of `pnpm test`: every backend, 3 s of workload from 2 worker processes and one fault (the first of
// each backend's schedule: its own crash/restart/freeze/503s, or lost responses through the lossy proxy on DynamoDB
// Local). No code may be redeemed twice, no acknowledged write lost, no expired entry returned, no write applied after
// it was reported failed. `pnpm soak` runs every fault for longer
// (docs/reliability.md).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BACKEND_NAMES,
  type BackendName,
  type BackendRun,
  DEFAULT_OPTIONS,
  resultsTable,
  soakBackend,
} from '../src/index';

const runs = new Map<BackendName, BackendRun | Error>();

beforeAll(async () => {
  // One backend after the other: run side by side on a shared 2-core machine, the slow ones (the JVM of DynamoDB
  // Local, the JavaScript Firestore emulator) starve and have too little material left to judge in 3 s.
  const options = { ...DEFAULT_OPTIONS, seconds: 3, workers: 2, faults: 1 };
  for (const name of BACKEND_NAMES) runs.set(name, await soakBackend(name, options).catch((error: Error) => error));
}, 170_000);

afterAll(() => {
  const done = [...runs.values()].filter((run): run is BackendRun => !(run instanceof Error));
  process.stdout.write(`\nshort soak (3 s, 2 workers, 1 fault):\n${resultsTable(done)}\n`);
});

describe.each(BACKEND_NAMES)('short soak on %s', (name) => {
  it('no double take, no lost write, no stale read, nothing applied after it failed, under faults', () => {
    const run = runs.get(name);
    if (run instanceof Error) throw run;
    if (!run) throw new Error(`the ${name} soak did not run`);
    const f = run.findings;
    // The run had material to judge: operations, acknowledged registrations to read back, faults injected.
    expect(f.ops).toBeGreaterThan(0);
    expect(f.checkedWrites).toBeGreaterThan(0);
    expect(run.faults.length).toBeGreaterThan(0);
    expect({
      doubleTakes: f.doubleTakes,
      lostWrites: f.lostWrites,
      staleReads: f.staleReads,
      appliedAfterFailure: f.appliedAfterFailure,
    }).toEqual({
      appliedAfterFailure: 0,
      doubleTakes: 0,
      lostWrites: 0,
      staleReads: 0,
    });
    // Known upstream issue, root-caused and documented (packages/gcs README, "Known issues"): on Node 24,
    // @google-cloud/storage 7 pipes a response into a stream the connection reset already destroyed, and Node 24 raises
    // ERR_STREAM_UNABLE_TO_PIPE on a stream nobody listens to. It is tolerated here for gcs on Node >= 24 only, loudly;
    // any other unhandled error still fails.
    const knownUpstream =
      name === 'gcs' && Number(process.versions.node.split('.')[0]) >= 24
        ? f.unhandledKinds.filter((kind) => kind === 'Error(ERR_STREAM_UNABLE_TO_PIPE)').length
        : 0;
    if (knownUpstream > 0) {
      process.stderr.write(
        `KNOWN ISSUE gcs on Node ${process.versions.node}: ${knownUpstream} ERR_STREAM_UNABLE_TO_PIPE raised inside @google-cloud/storage 7 after a connection reset (see packages/gcs/README.md).\n`,
      );
    }
    expect(f.unhandled - knownUpstream).toBe(0);
    expect(f.untypedErrors).toBe(0);
  });
});
