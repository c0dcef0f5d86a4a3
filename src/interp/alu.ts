// 64-bit integer helpers for the interpreter, on registers kept as two unsigned 32-bit halves.
// Registers live in one ArrayBuffer seen as a Uint32Array (r`n` low half at [2n], high at
// [2n+1]) and as Big(U)Int64Array views. The frequent operations (add, compare, shift, moves)
// run on the halves with plain numbers, so they allocate nothing; only mul/div/mod 64 go through
// BigInt. These are plain functions on numbers that V8 inlines into the interpreter loop.

/** Unsigned compare of two 64-bit values given as halves: -1, 0 or 1. */
export function cmpU(aHi: number, aLo: number, bHi: number, bLo: number): number {
  if (aHi !== bHi) return aHi > bHi ? 1 : -1;
  if (aLo !== bLo) return aLo > bLo ? 1 : -1;
  return 0;
}

/** Signed compare of two 64-bit values given as halves (unsigned 32-bit numbers): -1, 0 or 1. */
export function cmpS(aHi: number, aLo: number, bHi: number, bLo: number): number {
  const ah = aHi | 0;
  const bh = bHi | 0;
  if (ah !== bh) return ah > bh ? 1 : -1;
  if (aLo !== bLo) return aLo > bLo ? 1 : -1;
  return 0;
}

/** Signed compare of two 32-bit values given as unsigned numbers. */
export function cmpS32(a: number, b: number): number {
  const x = a | 0;
  const y = b | 0;
  return x === y ? 0 : x > y ? 1 : -1;
}

/** Unsigned compare of two 32-bit values given as unsigned numbers. */
export function cmpU32(a: number, b: number): number {
  return a === b ? 0 : a > b ? 1 : -1;
}

/** r[d2..d2+1] <<= c, with c already masked to 0..63. */
export function lsh64(r: Uint32Array, d2: number, c: number): void {
  if (c === 0) return;
  const lo = r[d2]!;
  if (c < 32) {
    r[d2 + 1] = ((r[d2 + 1]! << c) | (lo >>> (32 - c))) >>> 0;
    r[d2] = (lo << c) >>> 0;
  } else {
    r[d2 + 1] = (lo << (c - 32)) >>> 0;
    r[d2] = 0;
  }
}

/** r[d2..d2+1] >>>= c (logical), c in 0..63. */
export function rsh64(r: Uint32Array, d2: number, c: number): void {
  if (c === 0) return;
  const hi = r[d2 + 1]!;
  if (c < 32) {
    r[d2] = ((r[d2]! >>> c) | (hi << (32 - c))) >>> 0;
    r[d2 + 1] = hi >>> c;
  } else {
    r[d2] = hi >>> (c - 32);
    r[d2 + 1] = 0;
  }
}

/** r[d2..d2+1] >>= c (arithmetic), c in 0..63. */
export function arsh64(r: Uint32Array, d2: number, c: number): void {
  if (c === 0) return;
  const hi = r[d2 + 1]! | 0;
  if (c < 32) {
    r[d2] = ((r[d2]! >>> c) | (hi << (32 - c))) >>> 0;
    r[d2 + 1] = (hi >> c) >>> 0;
  } else {
    r[d2] = (hi >> (c - 32)) >>> 0;
    r[d2 + 1] = (hi >> 31) >>> 0;
  }
}

/** r[d2..d2+1] += (bHi:bLo), wrapping. */
export function add64(r: Uint32Array, d2: number, bHi: number, bLo: number): void {
  const lo = r[d2]! + bLo;
  r[d2] = lo >>> 0;
  r[d2 + 1] = (r[d2 + 1]! + bHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** r[d2..d2+1] -= (bHi:bLo), wrapping. */
export function sub64(r: Uint32Array, d2: number, bHi: number, bLo: number): void {
  const lo = r[d2]! - bLo;
  r[d2] = lo >>> 0;
  r[d2 + 1] = (r[d2 + 1]! - bHi - (lo < 0 ? 1 : 0)) >>> 0;
}

/** Store a signed 32-bit number sign-extended into r[d2..d2+1]. */
export function setS32(r: Uint32Array, d2: number, v: number): void {
  r[d2] = v >>> 0;
  r[d2 + 1] = v < 0 ? 0xffffffff : 0;
}

/** Swap the bytes of the low 16 bits of x. */
export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** Swap the bytes of a 32-bit value; returns an unsigned number. */
export function bswap32(x: number): number {
  return (
    (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff)) >>> 0
  );
}
