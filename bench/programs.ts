// The benchmark programs (bench/programs/*.s), their inputs, and a JS reference for each result,
// so a benchmark run first proves that both engines compute the right thing.

import { existsSync, readFileSync } from 'node:fs';
import { Rng } from '../src/testing/gen.js';

export interface BenchProgram {
  readonly name: string;
  /** One line: what it exercises. */
  readonly what: string;
  /** Assembly source. */
  readonly source: string;
  /** A fresh input each call (programs may write it, e.g. the sieve). */
  readonly input: () => Uint8Array;
  /** r0 the program must return on that input. */
  readonly expected: bigint;
}

const M64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => x & M64;
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

/**
 * The bench/ source folder: this file's own when run from source (tests), else found by walking
 * up from the compiled copy (make bench builds into node_modules/.cache/ebpf-wasm-bench/).
 */
export const BENCH_DIR: URL = findBenchDir();

function findBenchDir(): URL {
  if (existsSync(new URL('./programs/sum.s', import.meta.url)))
    return new URL('./', import.meta.url);
  for (let up = new URL('../', import.meta.url); up.pathname !== '/'; up = new URL('../', up)) {
    const dir = new URL('bench/', up);
    if (existsSync(new URL('programs/sum.s', dir))) return dir;
  }
  throw new Error('bench: cannot find bench/programs/');
}

function source(name: string): string {
  return readFileSync(new URL(`programs/${name}.s`, BENCH_DIR), 'utf8');
}

function randomBytes(seed: number, n: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.below(256);
  return out;
}

function le32(n: number, size = 8): Uint8Array {
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

// ---- references ----

function sumRef(data: Uint8Array): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let s = 0n;
  for (let i = 0; i + 8 <= data.length; i += 8) s = u64(s + dv.getBigUint64(i, true));
  return s;
}

function arithRef(rounds: number): bigint {
  let x = 0x9e3779b97f4a7c15n;
  let y = 12345n;
  let acc = 0n;
  for (let i = 0; i < rounds; i++) {
    x = u64(x ^ (x << 13n));
    x = x ^ (x >> 7n);
    x = u64(x ^ (x << 17n));
    y = u64(y * 0x5bd1e995n + x);
    acc = u64(acc + x / (y | 1n));
    acc = (acc + ((x & 0xffffffffn) % 1000003n)) & 0xffffffffn;
    const q = s64(y) >> 3n;
    // sdiv by 7 truncates toward zero, as BigInt division does.
    acc = u64(acc ^ u64(q / 7n));
  }
  return x ^ y ^ acc;
}

function switchRef(data: Uint8Array): bigint {
  let r = 0n;
  for (const b of data) {
    switch (b & 7) {
      case 0:
        r = u64(r + 1n);
        break;
      case 1:
        r = u64(r * 3n);
        break;
      case 2:
        r ^= 0x5a5an;
        break;
      case 3:
        r = u64(r << 1n);
        break;
      case 4:
        r = u64(r - 7n);
        break;
      case 5:
        r >>= 1n;
        break;
      case 6:
        r = u64(r + 0x1234n);
        break;
      default:
        r ^= M64;
    }
  }
  return r;
}

function callsRef(rounds: number): bigint {
  const f4 = (a: bigint, b: bigint): bigint => u64(a * 31n + b);
  const f3 = (a: bigint, b: bigint): bigint => u64((f4(a, b + 3n) + (a & 0xffffffffn)) * a);
  const f2 = (a: bigint, b: bigint): bigint => u64(f3(u64(a << 1n), b) - b) ^ a;
  const f1 = (a: bigint, b: bigint): bigint => u64((f2(u64(a + b), b) ^ a) + b);
  let acc = 0n;
  for (let n = BigInt(rounds); n > 0n; n--) acc = u64(acc + f1(acc, n));
  return acc;
}

function sieveRef(n: number): bigint {
  const composite = new Uint8Array(n);
  let count = 0n;
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32Ref(data: Uint8Array): bigint {
  let c = 0xffffffff;
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return BigInt((c ^ 0xffffffff) >>> 0);
}

// ---- the catalogue ----

const SUM_INPUT = randomBytes(1, 4096);
const SWITCH_INPUT = randomBytes(2, 2048);
const CRC_INPUT = randomBytes(3, 1024);
const ARITH_ROUNDS = 1000;
const CALL_ROUNDS = 500;
const SIEVE_N = 8192;

export const BENCH_PROGRAMS: readonly BenchProgram[] = [
  {
    name: 'sum',
    what: 'loop summing 4 KiB as 64-bit words',
    source: source('sum'),
    input: () => SUM_INPUT.slice(),
    expected: sumRef(SUM_INPUT),
  },
  {
    name: 'arith',
    what: `${ARITH_ROUNDS} rounds of xorshift, mul, div, sdiv, mod32, arsh`,
    source: source('arith'),
    input: () => le32(ARITH_ROUNDS),
    expected: arithRef(ARITH_ROUNDS),
  },
  {
    name: 'switch',
    what: 'branch-tree dispatch over 2 KiB of bytes',
    source: source('switch'),
    input: () => SWITCH_INPUT.slice(),
    expected: switchRef(SWITCH_INPUT),
  },
  {
    name: 'calls',
    what: `${CALL_ROUNDS} rounds of a 5-frame local-call chain`,
    source: source('calls'),
    input: () => le32(CALL_ROUNDS),
    expected: callsRef(CALL_ROUNDS),
  },
  {
    name: 'sieve',
    what: `sieve of Eratosthenes below ${SIEVE_N}, in the input`,
    source: source('sieve'),
    input: () => new Uint8Array(SIEVE_N),
    expected: sieveRef(SIEVE_N),
  },
  {
    name: 'crc32',
    what: 'bitwise CRC-32 of 1 KiB',
    source: source('crc32'),
    input: () => CRC_INPUT.slice(),
    expected: crc32Ref(CRC_INPUT),
  },
];

/** Verification benchmark (bench/verify.ts): eight instructions: ctx load, a two-path diamond, a spill and a fill. */
export const VERIFY_BLOCK = `
  ldxw %r2, [%r1+12]
  and %r2, 15
  jgt %r2, 7, +2
  add %r2, 1
  ja +1
  mov %r2, 3
  stxdw [%r10-8], %r2
  ldxdw %r0, [%r10-8]`;

/** An XDP program of about `insns` instructions made of VERIFY_BLOCKs. */
export function verifyBenchProgram(insns: number): string {
  return `${VERIFY_BLOCK.repeat(Math.floor((insns - 2) / 8))}\nmov %r0, 0\nexit`;
}
