// The benchmark programs (bench/programs/*.s), their inputs, and a JS reference for each result,
// so a benchmark run first proves that both engines compute the right thing.

import { existsSync, readFileSync } from 'node:fs';
import { Rng } from '../src/testing/gen.js';

/** 'bench': the measured input; 'small': a quick one for tests (same code paths). */
export type InputSize = 'bench' | 'small';

export interface BenchProgram {
  readonly name: string;
  /** One line: what it exercises. */
  readonly what: string;
  /** Assembly source. */
  readonly source: string;
  /**
   * A fresh copy of the deterministic input (default 'bench'). Every kernel is idempotent on its
   * input: run again on what it left there, it does the same work and returns the same r0, so a
   * benchmark may place the input once and run many times (the sieve marks the same bytes again,
   * memcpy copies the same words, hashtab clears its table first).
   */
  readonly input: (size?: InputSize) => Uint8Array;
  /** The JS reference: r0 the kernel must return on `input`. */
  readonly reference: (input: Uint8Array) => bigint;
  /** reference(input('bench')), computed on first use. */
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

function u32At(data: Uint8Array, at: number): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(at, true);
}

/** A random 64-bit word; `shift` > 0 spreads magnitudes (log2's input). */
function random64(rng: Rng, shift = 0): bigint {
  const x = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
  return x >> BigInt(shift);
}

function wordsLE(words: readonly bigint[], at = 0, into?: Uint8Array): Uint8Array {
  const out = into ?? new Uint8Array(at + words.length * 8);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  words.forEach((w, i) => dv.setBigUint64(at + i * 8, w, true));
  return out;
}

// memcpy: a random source half, a zero destination half.
function memcpyInput(half: number): Uint8Array {
  const out = new Uint8Array(2 * half);
  out.set(randomBytes(4, half));
  return out;
}

function memcpyRef(data: Uint8Array): bigint {
  const half = data.length >> 1;
  if (half === 0) return 0n;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // After the copy the destination words are the source words.
  const w = (at: number): bigint => dv.getBigUint64(at, true);
  return u64(u64(w(0) * 31n + w((half >> 1) & ~7)) * 31n + w(half - 8));
}

// memcmp: two equal random halves but for one byte within the last 64.
function memcmpInput(half: number): Uint8Array {
  const a = randomBytes(5, half);
  const out = new Uint8Array(2 * half);
  out.set(a);
  out.set(a, half);
  const at = half - 1 - new Rng(6).below(Math.min(64, half));
  out[half + at] = (a[at] as number) ^ 0x5a;
  return out;
}

function memcmpRef(data: Uint8Array): bigint {
  const half = data.length >> 1;
  for (let i = 0; i < half; i++) if (data[i] !== data[half + i]) return BigInt(i);
  return BigInt(half);
}

// log2: u64 words of every magnitude (a random word shifted right by 0..63 bits).
function log2Input(count: number): Uint8Array {
  const rng = new Rng(7);
  return wordsLE(Array.from({ length: count }, () => random64(rng, rng.below(64))));
}

function log2Ref(data: Uint8Array): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let s = 0n;
  for (let i = 0; i + 8 <= data.length; i += 8) {
    const x = dv.getBigUint64(i, true);
    s += x === 0n ? 0n : BigInt(x.toString(2).length - 1);
  }
  return s;
}

// hashtab: header (N, M), a 4096-slot table, N distinct non-zero keys, M lookups (half present).
const HASH_SLOTS = 4096;
const HASH_TABLE_AT = 16;
const HASH_KEYS_AT = HASH_TABLE_AT + HASH_SLOTS * 16;

function hashtabInput(inserts: number, lookups: number): Uint8Array {
  const rng = new Rng(8);
  const keys = new Set<bigint>();
  const fresh = (): bigint => {
    for (;;) {
      const k = random64(rng);
      if (k !== 0n && !keys.has(k)) return k;
    }
  };
  const inserted: bigint[] = [];
  for (let i = 0; i < inserts; i++) {
    const k = fresh();
    keys.add(k);
    inserted.push(k);
  }
  const wanted = Array.from({ length: lookups }, (_, i) =>
    i % 2 === 0 ? (inserted[rng.below(inserted.length)] as bigint) : fresh(),
  );
  for (let i = wanted.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [wanted[i], wanted[j]] = [wanted[j] as bigint, wanted[i] as bigint];
  }
  const out = new Uint8Array(HASH_KEYS_AT + (inserts + lookups) * 8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, inserts, true);
  dv.setUint32(4, lookups, true);
  wordsLE([...inserted, ...wanted], HASH_KEYS_AT, out);
  return out;
}

/** What any correct table gives: a hit for each looked-up key inserted, whose value is its 1-based insertion index. */
function hashtabRef(data: Uint8Array): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = u32At(data, 0);
  const m = u32At(data, 4);
  const table = new Map<bigint, bigint>();
  for (let i = 0; i < n; i++) table.set(dv.getBigUint64(HASH_KEYS_AT + i * 8, true), BigInt(i + 1));
  let hits = 0n;
  let sum = 0n;
  for (let i = 0; i < m; i++) {
    const v = table.get(dv.getBigUint64(HASH_KEYS_AT + (n + i) * 8, true));
    if (v === undefined) continue;
    hits++;
    sum = u64(sum + v);
  }
  return u64((hits << 32n) + (sum & 0xffffffffn));
}

// parse: records of a u16 length and an Ethernet frame.
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

function frame(rng: Rng): number[] {
  const f: number[] = [];
  const bytes = (n: number): void => {
    for (let i = 0; i < n; i++) f.push(rng.below(256));
  };
  const be16 = (x: number): void => {
    f.push(x >> 8, x & 0xff);
  };
  bytes(12);
  if (rng.chance(0.25)) {
    be16(rng.chance(0.5) ? ETH_QINQ : ETH_VLAN);
    bytes(2);
    if (rng.chance(0.3)) {
      be16(ETH_VLAN);
      bytes(2);
    }
  }
  const l3 = rng.below(10);
  let proto = -1;
  if (l3 < 5) {
    be16(ETH_IPV4);
    const ihl = rng.chance(0.05) ? rng.below(5) : rng.chance(0.2) ? rng.range(6, 8) : 5;
    f.push(0x40 | ihl);
    bytes(8);
    proto = rng.pick([6, 6, 6, 17, 17, 17, 1]);
    f.push(proto);
    bytes(Math.max(ihl, 5) * 4 - 10);
  } else if (l3 < 8) {
    be16(ETH_IPV6);
    f.push(0x60);
    bytes(5);
    proto = rng.pick([6, 6, 17, 17, 58]);
    f.push(proto);
    bytes(33);
  } else {
    be16(rng.pick([0x0806, 0x88cc, 0x8847]));
    bytes(28);
  }
  if (proto === 6 || proto === 17) {
    be16(rng.below(65536));
    be16(rng.below(65536));
    bytes(proto === 6 ? 16 : 4);
  }
  bytes(rng.below(64));
  // Some frames are cut short: a header then runs past the end.
  return rng.chance(0.1) ? f.slice(0, rng.below(f.length)) : f;
}

function parseInput(packets: number): Uint8Array {
  const rng = new Rng(9);
  const out: number[] = [];
  for (let i = 0; i < packets; i++) {
    const f = frame(rng);
    out.push(f.length & 0xff, f.length >> 8, ...f);
  }
  return Uint8Array.from(out);
}

interface ParseCounts {
  ipv4: number;
  ipv6: number;
  tcp: number;
  udp: number;
  vlan: number;
  bad: number;
  other: number;
  ports: number;
}

/** One frame [at, end) by the rules of parse.s, counted into `c`. */
function parseFrame(d: Uint8Array, at: number, end: number, c: ParseCounts): void {
  const be16 = (i: number): number => ((d[i] as number) << 8) | (d[i + 1] as number);
  let cur = at + 14;
  if (cur > end) return void c.bad++;
  let type = be16(at + 12);
  if (type === ETH_QINQ || type === ETH_VLAN) {
    do {
      c.vlan++;
      if (cur + 4 > end) return void c.bad++;
      type = be16(cur + 2);
      cur += 4;
    } while (type === ETH_VLAN);
  }
  let proto: number;
  if (type === ETH_IPV4) {
    if (cur + 20 > end) return void c.bad++;
    const ihl = ((d[cur] as number) & 15) * 4;
    if (ihl < 20) return void c.bad++;
    proto = d[cur + 9] as number;
    cur += ihl;
    if (cur > end) return void c.bad++;
    c.ipv4++;
  } else if (type === ETH_IPV6) {
    if (cur + 40 > end) return void c.bad++;
    proto = d[cur + 6] as number;
    cur += 40;
    c.ipv6++;
  } else return void c.other++;
  if (proto === 6 || proto === 17) {
    if (cur + (proto === 6 ? 20 : 8) > end) return void c.bad++;
    if (proto === 6) c.tcp++;
    else c.udp++;
    c.ports += be16(cur) + be16(cur + 2);
  } else c.other++;
}

function parseRef(data: Uint8Array): bigint {
  const c: ParseCounts = { ipv4: 0, ipv6: 0, tcp: 0, udp: 0, vlan: 0, bad: 0, other: 0, ports: 0 };
  for (let p = 0; p + 2 <= data.length;) {
    const at = p + 2;
    const end = at + ((data[p] as number) | ((data[p + 1] as number) << 8));
    if (end > data.length) break;
    parseFrame(data, at, end, c);
    p = end;
  }
  let acc = 0n;
  for (const x of [c.ipv4, c.ipv6, c.tcp, c.udp, c.vlan, c.bad, c.other, c.ports]) {
    acc = u64(acc * 1000003n + BigInt(x));
  }
  return acc;
}

/** Arm v of switch64.s (its header states the rule; b is the whole byte). */
function switch64Arm(r: bigint, v: number, b: bigint): bigint {
  const n = BigInt(v);
  switch (v & 7) {
    case 0:
      return u64(r + n * 37n + 1n);
    case 1:
      return r ^ (n * 0x1111n + 7n);
    case 2:
      return u64(r * (2n * n + 3n));
    case 3:
      return u64(r - (n * 13n + 5n));
    case 4:
      return u64(r << BigInt((v % 5) + 1));
    case 5:
      return r >> BigInt((v % 3) + 1);
    case 6:
      return u64(r + b) ^ n;
    default:
      return r ^ (r >> BigInt((v % 7) + 3));
  }
}

function switch64Ref(data: Uint8Array): bigint {
  let r = 0n;
  for (const b of data) r = switch64Arm(r, b & 63, BigInt(b));
  return r;
}

// ---- the catalogue ----

interface KernelSpec {
  readonly name: string;
  readonly what: string;
  readonly make: (size: InputSize) => Uint8Array;
  readonly reference: (input: Uint8Array) => bigint;
}

/** A BenchProgram whose inputs are generated once per size and copied on each call. */
function kernel(spec: KernelSpec): BenchProgram {
  const made = new Map<InputSize, Uint8Array>();
  const input = (size: InputSize = 'bench'): Uint8Array => {
    let x = made.get(size);
    if (x === undefined) {
      x = spec.make(size);
      made.set(size, x);
    }
    return x.slice();
  };
  let expected: bigint | undefined;
  return {
    name: spec.name,
    what: spec.what,
    source: source(spec.name),
    input,
    reference: spec.reference,
    get expected(): bigint {
      expected ??= spec.reference(input());
      return expected;
    },
  };
}

const pick = <T>(size: InputSize, bench: T, small: T): T => (size === 'bench' ? bench : small);
const MIB = 1 << 20;

export const BENCH_PROGRAMS: readonly BenchProgram[] = [
  kernel({
    name: 'sum',
    what: 'loop summing 4 KiB as 64-bit words',
    make: (size) => randomBytes(1, pick(size, 4096, 64)),
    reference: sumRef,
  }),
  kernel({
    name: 'arith',
    what: '1000 rounds of xorshift, mul, div, sdiv, mod32, arsh',
    make: (size) => le32(pick(size, 1000, 20)),
    reference: (input) => arithRef(u32At(input, 0)),
  }),
  kernel({
    name: 'switch',
    what: '8-way branch-tree dispatch over 2 KiB of bytes',
    make: (size) => randomBytes(2, pick(size, 2048, 64)),
    reference: switchRef,
  }),
  kernel({
    name: 'switch64',
    what: '64-way compare-tree dispatch over 4 KiB of bytes',
    make: (size) => randomBytes(10, pick(size, 4096, 256)),
    reference: switch64Ref,
  }),
  kernel({
    name: 'calls',
    what: '500 rounds of a 5-frame local-call chain',
    make: (size) => le32(pick(size, 500, 10)),
    reference: (input) => callsRef(u32At(input, 0)),
  }),
  kernel({
    name: 'sieve',
    what: 'sieve of Eratosthenes below 8192, in the input',
    make: (size) => new Uint8Array(pick(size, 8192, 100)),
    reference: (input) => sieveRef(input.length),
  }),
  kernel({
    name: 'crc32',
    what: 'bitwise CRC-32 of 1 KiB',
    make: (size) => randomBytes(3, pick(size, 1024, 32)),
    reference: crc32Ref,
  }),
  kernel({
    name: 'memcpy',
    what: 'copy 1 MiB with 8-byte loads and stores',
    make: (size) => memcpyInput(pick(size, MIB, 256)),
    reference: memcpyRef,
  }),
  kernel({
    name: 'memcmp',
    what: 'compare two 1 MiB buffers 8 bytes at a time (differ near the end)',
    make: (size) => memcmpInput(pick(size, MIB, 256)),
    reference: memcmpRef,
  }),
  kernel({
    name: 'log2',
    what: 'floor(log2) of 8192 u64 by a branchy shift ladder',
    make: (size) => log2Input(pick(size, 8192, 64)),
    reference: log2Ref,
  }),
  kernel({
    name: 'hashtab',
    what: '4096-slot open-addressing table: 2048 inserts, 4096 lookups',
    make: (size) => hashtabInput(pick(size, 2048, 16), pick(size, 4096, 32)),
    reference: hashtabRef,
  }),
  kernel({
    name: 'parse',
    what: 'parse 256 Ethernet/VLAN/IPv4/IPv6/TCP/UDP frames, bounds-checked',
    make: (size) => parseInput(pick(size, 256, 24)),
    reference: parseRef,
  }),
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
