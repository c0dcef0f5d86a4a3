// Tracked numbers ("tnums", as the kernel calls them): what is known about the individual bits of
// a 64-bit value. `value` holds the bits known to be 1, `mask` the bits that are unknown; a bit
// set in both never happens. All values are unsigned 64-bit bigints. The operations mirror
// kernel/bpf/tnum.c in meaning: each result contains every concrete result of the operands.

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const U64 = (1n << 64n) - 1n;
export const U32 = (1n << 32n) - 1n;

export const tnumConst = (v: bigint): Tnum => ({ value: BigInt.asUintN(64, v), mask: 0n });
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64 };

export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;

/** The smallest tnum holding every value in [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  if (chi === 0n) return tnumConst(min);
  const bits = BigInt(chi.toString(2).length);
  if (bits > 63n) return TNUM_UNKNOWN;
  const delta = (1n << bits) - 1n;
  return { value: min & ~delta & U64, mask: delta };
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = BigInt.asUintN(64, a.mask + b.mask);
  const sv = BigInt.asUintN(64, a.value + b.value);
  const sigma = BigInt.asUintN(64, sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64, mask: mu };
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = BigInt.asUintN(64, a.value - b.value);
  const alpha = BigInt.asUintN(64, dv + a.mask);
  const beta = BigInt.asUintN(64, dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64, mask: mu };
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64 };
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

export const tnumLsh = (a: Tnum, k: number): Tnum => ({
  value: BigInt.asUintN(64, a.value << BigInt(k)),
  mask: BigInt.asUintN(64, a.mask << BigInt(k)),
});

export const tnumRsh = (a: Tnum, k: number): Tnum => ({
  value: a.value >> BigInt(k),
  mask: a.mask >> BigInt(k),
});

/** Arithmetic shift right of the low `width` bits, result zero-extended from `width`. */
export function tnumArsh(a: Tnum, k: number, width: 32 | 64): Tnum {
  // Shifting the mask arithmetically too makes an unknown sign bit unknown in every copy of it.
  const v = BigInt.asUintN(width, BigInt.asIntN(width, a.value) >> BigInt(k));
  const m = BigInt.asUintN(width, BigInt.asIntN(width, a.mask) >> BigInt(k));
  return { value: v & ~m, mask: m };
}

/** Multiplication by shift-and-add over the bits of `a` (kernel's tnum_mul idea). */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  if (tnumIsConst(a) && tnumIsConst(b)) return tnumConst(a.value * b.value);
  let accV = BigInt.asUintN(64, a.value * b.value);
  let accM: Tnum = tnumConst(0n);
  let x = a;
  let y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if ((x.value & 1n) !== 0n) accM = tnumAdd(accM, { value: 0n, mask: y.mask });
    else if ((x.mask & 1n) !== 0n) accM = tnumAdd(accM, { value: 0n, mask: y.value | y.mask });
    x = tnumRsh(x, 1);
    y = tnumLsh(y, 1);
  }
  accV = accV & U64;
  return tnumAdd({ value: accV, mask: 0n }, accM);
}

/** Bits known in both; null when they contradict (no value satisfies both). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum | null {
  if (((a.value ^ b.value) & ~a.mask & ~b.mask & U64) !== 0n) return null;
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

/** Truncate to the low `bytes` bytes. */
export function tnumCast(a: Tnum, bytes: number): Tnum {
  const m = (1n << BigInt(bytes * 8)) - 1n;
  return { value: a.value & m, mask: a.mask & m };
}

/** Every value of `b` is a value of `a`. */
export const tnumIn = (a: Tnum, b: Tnum): boolean =>
  (b.mask & ~a.mask & U64) === 0n && (b.value & ~a.mask & U64) === (a.value & ~a.mask & U64);

export const tnumEq = (a: Tnum, b: Tnum): boolean => a.value === b.value && a.mask === b.mask;

/** The kernel's log spelling: `(0x0; 0xff)`. */
export const tnumText = (a: Tnum): string =>
  `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
