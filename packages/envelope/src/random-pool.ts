import { randomFillSync } from 'node:crypto';

// Nonces come from one buffer refilled from the CSPRNG in bulk (as core's record versions do): one call into the
// CSPRNG per 341 records instead of one per record, which cost more than the bytes themselves. Only public values
// (nonces) are drawn here, never key material: a pool's memory outlives the slices handed out.
const POOL_BYTES = 4092;
let pool = Buffer.allocUnsafe(0);
let offset = 0;

/** `length` fresh random bytes (a view into the pool; never handed out twice). For public values only. */
export function randomPublicBytes(length: number): Uint8Array {
  if (offset + length > pool.length) {
    pool = Buffer.allocUnsafe(Math.max(POOL_BYTES, length));
    randomFillSync(pool);
    offset = 0;
  }
  const slice = pool.subarray(offset, offset + length);
  offset += length;
  return slice;
}
