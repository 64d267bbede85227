// Test-only GF(2^128) arithmetic to build an AES-GCM ciphertext that authenticates under TWO keys (the
// "invisible salamanders" / partitioning-oracle construction). It exists to prove that AES-GCM is not key-committing
// and that the envelope's commitment check is what stops such records. Production code uses node:crypto only.
import { createCipheriv } from 'node:crypto';

const R = 0xe1n << 120n;
const ONE = 1n << 127n; // x^0 in GCM's bit-reflected representation
const MASK = (1n << 128n) - 1n;

function toInt(block: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(block).toString('hex') || '0'}`);
}

function toBlock(value: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(value.toString(16).padStart(32, '0'), 'hex'));
}

/** Multiplication in GF(2^128) as NIST SP 800-38D, Algorithm 1. */
function mul(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127n; i >= 0n; i -= 1n) {
    if ((x >> i) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z & MASK;
}

function pow(base: bigint, exponent: bigint): bigint {
  let result = ONE;
  let b = base;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = mul(result, b);
    b = mul(b, b);
    e >>= 1n;
  }
  return result;
}

const inverse = (a: bigint) => pow(a, (1n << 128n) - 2n);

function aesBlock(key: Uint8Array, block: Uint8Array): bigint {
  const cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  return toInt(Buffer.concat([cipher.update(block), cipher.final()]));
}

function blocksOf(data: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < data.length; i += 16) {
    const block = new Uint8Array(16);
    block.set(data.subarray(i, i + 16));
    out.push(toInt(block));
  }
  return out;
}

function ghash(h: bigint, blocks: bigint[]): bigint {
  let y = 0n;
  for (const block of blocks) y = mul(y ^ block, h);
  return y;
}

/**
 * Returns ciphertext || tag (`ciphertextBlocks` * 16 bytes + 16) that AES-256-GCM accepts under both `key1` and
 * `key2` with this nonce and AAD. Block 0 of the ciphertext is solved for; the others are the given filler.
 */
export function ciphertextValidUnderTwoKeys(
  key1: Uint8Array,
  key2: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  filler: Uint8Array,
): Uint8Array {
  if (nonce.length !== 12 || filler.length % 16 !== 0) throw new Error('96-bit nonce and whole filler blocks only');
  const j0 = new Uint8Array(16);
  j0.set(nonce);
  j0[15] = 1;
  const h1 = aesBlock(key1, new Uint8Array(16));
  const h2 = aesBlock(key2, new Uint8Array(16));
  const e1 = aesBlock(key1, j0);
  const e2 = aesBlock(key2, j0);
  const ciphertext = new Uint8Array(16 + filler.length);
  ciphertext.set(filler, 16);
  const lengths = new Uint8Array(16);
  const view = new DataView(lengths.buffer);
  view.setBigUint64(0, BigInt(aad.length * 8), false);
  view.setBigUint64(8, BigInt(ciphertext.length * 8), false);
  const aadBlocks = blocksOf(aad);
  const all = [...aadBlocks, ...blocksOf(ciphertext), toInt(lengths)];
  // The free block sits right after the AAD blocks; its coefficient is H^(blocks after it, inclusive).
  const exponent = BigInt(all.length - aadBlocks.length);
  const rhs = e1 ^ e2 ^ ghash(h1, all) ^ ghash(h2, all);
  const free = mul(rhs, inverse(pow(h1, exponent) ^ pow(h2, exponent)));
  ciphertext.set(toBlock(free), 0);
  all[aadBlocks.length] = free;
  const tag = toBlock(e1 ^ ghash(h1, all));
  return new Uint8Array(Buffer.concat([ciphertext, tag]));
}
