import { createHash } from 'node:crypto';

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Cloud Storage reports in `crc32c` and
// `x-goog-hash`. Written out here rather than borrowed from the SDK so the fake does not check the SDK against itself.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `data` as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The two hashes Cloud Storage reports for an object, base64-encoded as in the JSON API and `x-goog-hash`. */
export interface ObjectHashes {
  /** Base64 of the big-endian 4-byte CRC-32C. */
  crc32c: string;
  /** Base64 of the 16-byte MD5 digest. */
  md5Hash: string;
}

/** Computes the `crc32c` and `md5Hash` fields for `data`. */
export function hashesOf(data: Uint8Array): ObjectHashes {
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(data));
  return {
    crc32c: crc.toString('base64'),
    md5Hash: createHash('md5').update(data).digest('base64'),
  };
}
