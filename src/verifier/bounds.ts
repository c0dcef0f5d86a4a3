// Scalar values as the verifier knows them: a tnum (known bits) plus unsigned and signed bounds
// of the full 64 bits and of the low 32-bit subregister, kept consistent by `syncBounds` (the
// kernel's reg_bounds_sync). Every operation over-approximates: the result holds every concrete
// value the instruction can produce from operands inside their abstract values.

import {
  type Tnum,
  TNUM_UNKNOWN,
  tnumAdd,
  tnumAnd,
  tnumArsh,
  tnumCast,
  tnumConst,
  tnumIn,
  tnumIntersect,
  tnumIsConst,
  tnumLsh,
  tnumMul,
  tnumOr,
  tnumRange,
  tnumRsh,
  tnumSub,
  tnumXor,
  U32,
  U64,
} from './tnum.js';

export interface Scalar {
  readonly t: Tnum;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly smin: bigint;
  readonly smax: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
}

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const lo = (x: bigint): bigint => x & U32;
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export const SCALAR_UNKNOWN: Scalar = {
  t: TNUM_UNKNOWN,
  umin: 0n,
  umax: U64,
  smin: S64_MIN,
  smax: S64_MAX,
  u32min: 0n,
  u32max: U32,
  s32min: S32_MIN,
  s32max: S32_MAX,
};

export function scalarConst(v: bigint): Scalar {
  const u = BigInt.asUintN(64, v);
  const l = lo(u);
  return {
    t: tnumConst(u),
    umin: u,
    umax: u,
    smin: s64(u),
    smax: s64(u),
    u32min: l,
    u32max: l,
    s32min: s32(l),
    s32max: s32(l),
  };
}

/** Unsigned range [lo, hi] of the full 64 bits (the rest derived). */
export function scalarURange(a: bigint, b: bigint): Scalar {
  return syncBounds({ ...SCALAR_UNKNOWN, umin: a, umax: b }) ?? SCALAR_UNKNOWN;
}

/** Signed range [lo, hi] of the full 64 bits. */
export function scalarSRange(a: bigint, b: bigint): Scalar {
  return syncBounds({ ...SCALAR_UNKNOWN, smin: a, smax: b }) ?? SCALAR_UNKNOWN;
}

export const isConst = (s: Scalar): boolean => tnumIsConst(s.t);
export const constValue = (s: Scalar): bigint => s.t.value;
export const isConst32 = (s: Scalar): boolean => (s.t.mask & U32) === 0n;

type Mut = { -readonly [K in keyof Scalar]: Scalar[K] };

/**
 * Make tnum and the eight bounds agree, each narrowed by what the others imply. Returns null when
 * they contradict: no 64-bit value fits them all (a branch that cannot be taken).
 */
export function syncBounds(input: Scalar): Scalar | null {
  const s: Mut = { ...input };
  for (let round = 0; round < 2; round++) {
    const t = s.t;
    // tnum -> bounds
    s.umin = max(s.umin, t.value);
    s.umax = min(s.umax, t.value | t.mask);
    s.smin = max(s.smin, s64(t.value | (t.mask & (1n << 63n))));
    s.smax = min(s.smax, s64(t.value | (t.mask & S64_MAX)));
    const t32 = tnumCast(t, 4);
    s.u32min = max(s.u32min, t32.value);
    s.u32max = min(s.u32max, t32.value | t32.mask);
    s.s32min = max(s.s32min, s32(t32.value | (t32.mask & 0x80000000n)));
    s.s32max = min(s.s32max, s32(t32.value | (t32.mask & 0x7fffffffn)));
    // 64 -> 32: when the upper halves agree the low halves are ordered like the values
    if (s.umin >> 32n === s.umax >> 32n) {
      s.u32min = max(s.u32min, lo(s.umin));
      s.u32max = min(s.u32max, lo(s.umax));
      if (s32(lo(s.umin)) <= s32(lo(s.umax))) {
        s.s32min = max(s.s32min, s32(lo(s.umin)));
        s.s32max = min(s.s32max, s32(lo(s.umax)));
      }
    }
    if (s.smin >> 32n === s.smax >> 32n) {
      const a = lo(BigInt.asUintN(64, s.smin));
      const b = lo(BigInt.asUintN(64, s.smax));
      if (a <= b) {
        s.u32min = max(s.u32min, a);
        s.u32max = min(s.u32max, b);
      }
      if (s32(a) <= s32(b)) {
        s.s32min = max(s.s32min, s32(a));
        s.s32max = min(s.s32max, s32(b));
      }
    }
    // 32: signed <-> unsigned when the range does not cross the sign boundary
    if (s32(s.u32min) <= s32(s.u32max) && s.u32min <= s.u32max) {
      s.s32min = max(s.s32min, s32(s.u32min));
      s.s32max = min(s.s32max, s32(s.u32max));
    }
    if ((s.s32min >= 0n || s.s32max < 0n) && s.s32min <= s.s32max) {
      s.u32min = max(s.u32min, lo(BigInt.asUintN(64, s.s32min)));
      s.u32max = min(s.u32max, lo(BigInt.asUintN(64, s.s32max)));
    }
    // 64: signed <-> unsigned
    if (s64(s.umin) <= s64(s.umax) && s.umin <= s.umax) {
      s.smin = max(s.smin, s64(s.umin));
      s.smax = min(s.smax, s64(s.umax));
    }
    if ((s.smin >= 0n || s.smax < 0n) && s.smin <= s.smax) {
      s.umin = max(s.umin, BigInt.asUintN(64, s.smin));
      s.umax = min(s.umax, BigInt.asUintN(64, s.smax));
    }
    // 32 -> 64: with a fixed upper half, the low-half bounds bound the value
    if (s.umin >> 32n === s.umax >> 32n && s.u32min <= s.u32max) {
      const hi = s.umin & ~U32 & U64;
      s.umin = max(s.umin, hi | s.u32min);
      s.umax = min(s.umax, hi | s.u32max);
    }
    if (s.smin >> 32n === s.smax >> 32n && s.u32min <= s.u32max) {
      const hi = (s.smin >> 32n) << 32n;
      s.smin = max(s.smin, hi + s.u32min);
      s.smax = min(s.smax, hi + s.u32max);
    }
    if (s.umin > s.umax || s.smin > s.smax || s.u32min > s.u32max || s.s32min > s.s32max) {
      return null;
    }
    // bounds -> tnum
    let nt = tnumIntersect(s.t, tnumRange(s.umin, s.umax));
    if (nt === null) return null;
    const r32 = tnumRange(s.u32min, s.u32max);
    nt = tnumIntersect(nt, { value: r32.value, mask: r32.mask | (U64 & ~U32) });
    if (nt === null) return null;
    s.t = nt;
  }
  return s;
}

/** A range of one width: the bounds an operation works on. */
interface Range {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
}

const fullRange = (w: 32 | 64): Range => ({
  umin: 0n,
  umax: (1n << BigInt(w)) - 1n,
  smin: -(1n << BigInt(w - 1)),
  smax: (1n << BigInt(w - 1)) - 1n,
});

const range64 = (s: Scalar): Range => ({ umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax });
const range32 = (s: Scalar): Range => ({
  umin: s.u32min,
  umax: s.u32max,
  smin: s.s32min,
  smax: s.s32max,
});

export type AluOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'sdiv'
  | 'mod'
  | 'smod'
  | 'or'
  | 'and'
  | 'xor'
  | 'lsh'
  | 'rsh'
  | 'arsh';

/** The concrete result of one ALU operation at width w (operands given unsigned). */
export function evalAlu(op: AluOp, w: 32 | 64, a: bigint, b: bigint): bigint {
  const U = (x: bigint): bigint => BigInt.asUintN(w, x);
  const S = (x: bigint): bigint => BigInt.asIntN(w, x);
  a = U(a);
  b = U(b);
  const sh = BigInt(Number(b) & (w - 1));
  switch (op) {
    case 'add':
      return U(a + b);
    case 'sub':
      return U(a - b);
    case 'mul':
      return U(a * b);
    case 'div':
      return b === 0n ? 0n : a / b;
    case 'mod':
      return b === 0n ? a : a % b;
    case 'sdiv': {
      if (b === 0n) return 0n;
      return U(S(a) / S(b));
    }
    case 'smod': {
      if (b === 0n) return a;
      return U(S(a) % S(b));
    }
    case 'or':
      return a | b;
    case 'and':
      return a & b;
    case 'xor':
      return a ^ b;
    case 'lsh':
      return U(a << sh);
    case 'rsh':
      return a >> sh;
    case 'arsh':
      return U(S(a) >> sh);
  }
}

function rangeOp(op: AluOp, w: 32 | 64, a: Range, b: Range, t: Tnum): Range {
  const full = fullRange(w);
  const r: Range = { ...full };
  const tmax = t.value | t.mask;
  switch (op) {
    case 'add':
      if (a.umax + b.umax <= full.umax) {
        r.umin = a.umin + b.umin;
        r.umax = a.umax + b.umax;
      }
      if (a.smin + b.smin >= full.smin && a.smax + b.smax <= full.smax) {
        r.smin = a.smin + b.smin;
        r.smax = a.smax + b.smax;
      }
      break;
    case 'sub':
      if (a.umin >= b.umax) {
        r.umin = a.umin - b.umax;
        r.umax = a.umax - b.umin;
      }
      if (a.smin - b.smax >= full.smin && a.smax - b.smin <= full.smax) {
        r.smin = a.smin - b.smax;
        r.smax = a.smax - b.smin;
      }
      break;
    case 'mul':
      if (a.umax * b.umax <= full.umax) {
        r.umin = a.umin * b.umin;
        r.umax = a.umax * b.umax;
      }
      if (a.smin >= 0n && b.smin >= 0n && a.smax * b.smax <= full.smax) {
        r.smin = a.smin * b.smin;
        r.smax = a.smax * b.smax;
      }
      break;
    case 'and':
      r.umin = t.value;
      r.umax = min(min(a.umax, b.umax), tmax);
      break;
    case 'or':
      r.umin = max(max(a.umin, b.umin), t.value);
      r.umax = tmax;
      break;
    case 'xor':
      r.umin = t.value;
      r.umax = tmax;
      break;
    case 'lsh':
      if (b.umax < BigInt(w) && a.umax << b.umax <= full.umax) {
        r.umin = a.umin << b.umin;
        r.umax = a.umax << b.umax;
      }
      break;
    case 'rsh':
      if (b.umax < BigInt(w)) {
        r.umin = a.umin >> b.umax;
        r.umax = a.umax >> b.umin;
      } else {
        r.umin = 0n;
        r.umax = a.umax;
      }
      break;
    case 'arsh':
      if (b.umax < BigInt(w)) {
        r.smin = min(a.smin >> b.umin, a.smin >> b.umax);
        r.smax = max(a.smax >> b.umin, a.smax >> b.umax);
      } else {
        r.smin = min(a.smin, 0n);
        r.smax = max(a.smax, -1n);
      }
      break;
    case 'div':
      if (b.umin > 0n) {
        r.umin = a.umin / b.umax;
        r.umax = a.umax / b.umin;
      } else {
        r.umin = 0n;
        r.umax = a.umax;
      }
      break;
    case 'mod':
      r.umin = 0n;
      r.umax = b.umin > 0n ? min(a.umax, b.umax - 1n) : a.umax;
      break;
    case 'smod':
      if (b.smin === b.smax && b.smin !== 0n) {
        const m = (b.smin < 0n ? -b.smin : b.smin) - 1n;
        r.smin = a.smin < 0n ? -m : 0n;
        r.smax = a.smax > 0n ? m : 0n;
      }
      break;
    case 'sdiv':
      break;
  }
  return r;
}

function tnumOp(op: AluOp, w: 32 | 64, a: Tnum, b: Tnum): Tnum {
  const shiftConst = tnumIsConst(b) ? Number(b.value & BigInt(w - 1)) : -1;
  let t: Tnum;
  switch (op) {
    case 'add':
      t = tnumAdd(a, b);
      break;
    case 'sub':
      t = tnumSub(a, b);
      break;
    case 'mul':
      t = tnumMul(a, b);
      break;
    case 'and':
      t = tnumAnd(a, b);
      break;
    case 'or':
      t = tnumOr(a, b);
      break;
    case 'xor':
      t = tnumXor(a, b);
      break;
    case 'lsh':
      t = shiftConst >= 0 ? tnumLsh(a, shiftConst) : TNUM_UNKNOWN;
      break;
    case 'rsh':
      t = shiftConst >= 0 ? tnumRsh(tnumCast(a, w / 8), shiftConst) : TNUM_UNKNOWN;
      break;
    case 'arsh':
      t = shiftConst >= 0 ? tnumArsh(tnumCast(a, w / 8), shiftConst, w) : TNUM_UNKNOWN;
      break;
    default:
      t = TNUM_UNKNOWN;
  }
  return tnumCast(t, w / 8);
}

/** dst = a OP b at width w (32: the result is zero-extended to 64 bits, as the ISA does). */
export function scalarAlu(op: AluOp, w: 32 | 64, a: Scalar, b: Scalar): Scalar {
  if (w === 64 ? isConst(a) && isConst(b) : isConst32(a) && isConst32(b)) {
    return scalarConst(evalAlu(op, w, a.t.value, b.t.value));
  }
  if (w === 64) {
    const t = tnumOp(op, 64, a.t, b.t);
    const r = rangeOp(op, 64, range64(a), range64(b), t);
    // The low halves of add/sub/mul/and/or/xor depend only on the operands' low halves.
    const lowOnly =
      op === 'add' || op === 'sub' || op === 'mul' || op === 'and' || op === 'or' || op === 'xor';
    const r32 = lowOnly ? rangeOp(op, 32, range32(a), range32(b), tnumCast(t, 4)) : fullRange(32);
    return (
      syncBounds({
        t,
        umin: r.umin,
        umax: r.umax,
        smin: r.smin,
        smax: r.smax,
        u32min: r32.umin,
        u32max: r32.umax,
        s32min: r32.smin,
        s32max: r32.smax,
      }) ?? SCALAR_UNKNOWN
    );
  }
  const t = tnumOp(op, 32, tnumCast(a.t, 4), tnumCast(b.t, 4));
  const r = rangeOp(op, 32, range32(a), range32(b), t);
  return zext32(r, t);
}

/** A 32-bit result zero-extended into 64 bits. */
function zext32(r: Range, t: Tnum): Scalar {
  const s = syncBounds({
    t: tnumCast(t, 4),
    umin: 0n,
    umax: U32,
    smin: 0n,
    smax: U32,
    u32min: r.umin,
    u32max: r.umax,
    s32min: r.smin,
    s32max: r.smax,
  });
  return s ?? scalarURange(0n, U32);
}

/** The low 32 bits of a scalar, zero-extended (mov32, and what every ALU32 result does). */
export function scalarZext32(a: Scalar): Scalar {
  return zext32(range32(a), tnumCast(a.t, 4));
}

/** Sign-extend the low `from` bits to `to` bits (movsx, ldxs). */
export function scalarSext(a: Scalar, from: 8 | 16 | 32, to: 32 | 64): Scalar {
  const F = BigInt(from);
  const m = (1n << F) - 1n;
  const low = tnumCast(a.t, from / 8);
  if (low.mask === 0n) {
    const v = BigInt.asIntN(from, low.value);
    return to === 64 ? scalarConst(v) : scalarConst(BigInt.asUintN(32, v));
  }
  // If the low bits are known to be non-negative as s<from>, sign extension changes nothing.
  const umaxLow = from === 32 ? a.u32max : a.umax >> F === 0n ? a.umax : m;
  const half = 1n << (F - 1n);
  let res: Scalar;
  if (umaxLow < half && (from === 32 || a.umax >> F === 0n)) {
    res = scalarURange(from === 32 ? a.u32min : a.umin, umaxLow);
  } else {
    res = scalarSRange(-half, half - 1n);
  }
  return to === 64 ? res : scalarZext32(res);
}

/** Byte swap of the low `bits` bits (be on a little-endian machine, bswap). */
export function scalarBswap(a: Scalar, bits: 16 | 32 | 64): Scalar {
  const low = tnumCast(a.t, bits / 8);
  if (low.mask === 0n) {
    let v = 0n;
    for (let i = 0n; i < BigInt(bits / 8); i++) v = (v << 8n) | ((low.value >> (8n * i)) & 0xffn);
    return scalarConst(v);
  }
  return bits === 64 ? SCALAR_UNKNOWN : scalarURange(0n, (1n << BigInt(bits)) - 1n);
}

/** Truncate to the low `bits` bits (le16/le32 on a little-endian machine). */
export function scalarTrunc(a: Scalar, bits: 16 | 32 | 64): Scalar {
  if (bits === 64) return a;
  if (bits === 32) return scalarZext32(a);
  const t = tnumCast(a.t, 2);
  return syncBounds({ ...scalarURange(0n, 0xffffn), t }) ?? scalarURange(0n, 0xffffn);
}

/** `old` contains every value of `cur`: used to prune with an already verified state. */
export function scalarWithin(old: Scalar, cur: Scalar): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max &&
    tnumIn(old.t, cur.t)
  );
}

export function scalarEq(a: Scalar, b: Scalar): boolean {
  return scalarWithin(a, b) && scalarWithin(b, a);
}

/** Comparison conditions after normalising the jump and its direction. */
export type Cond =
  'eq' | 'ne' | 'ugt' | 'uge' | 'ult' | 'ule' | 'sgt' | 'sge' | 'slt' | 'sle' | 'set' | 'nset';

export const negateCond: Record<Cond, Cond> = {
  eq: 'ne',
  ne: 'eq',
  ugt: 'ule',
  uge: 'ult',
  ult: 'uge',
  ule: 'ugt',
  sgt: 'sle',
  sge: 'slt',
  slt: 'sge',
  sle: 'sgt',
  set: 'nset',
  nset: 'set',
};

/** `a cond b` is the same as `b swapCond[cond] a`. */
export const swapCond: Record<Cond, Cond> = {
  eq: 'eq',
  ne: 'ne',
  ugt: 'ult',
  uge: 'ule',
  ult: 'ugt',
  ule: 'uge',
  sgt: 'slt',
  sge: 'sle',
  slt: 'sgt',
  sle: 'sge',
  set: 'set',
  nset: 'nset',
};

/**
 * Narrow a and b assuming `a cond b` holds at width w. Returns null when it cannot hold (the
 * branch is dead).
 */
export function refine(cond: Cond, w: 32 | 64, a: Scalar, b: Scalar): [Scalar, Scalar] | null {
  const A: Mut = { ...a };
  const B: Mut = { ...b };
  const k =
    w === 64
      ? (['umin', 'umax', 'smin', 'smax'] as const)
      : (['u32min', 'u32max', 's32min', 's32max'] as const);
  const [UMIN, UMAX, SMIN, SMAX] = k;
  switch (cond) {
    case 'eq': {
      const umin = max(A[UMIN], B[UMIN]);
      const umax = min(A[UMAX], B[UMAX]);
      const smin = max(A[SMIN], B[SMIN]);
      const smax = min(A[SMAX], B[SMAX]);
      A[UMIN] = B[UMIN] = umin;
      A[UMAX] = B[UMAX] = umax;
      A[SMIN] = B[SMIN] = smin;
      A[SMAX] = B[SMAX] = smax;
      if (w === 64) {
        const t = tnumIntersect(A.t, B.t);
        if (t === null) return null;
        A.t = B.t = t;
      } else {
        const t = tnumIntersect(tnumCast(A.t, 4), tnumCast(B.t, 4));
        if (t === null) return null;
        const hiA = { value: A.t.value & ~U32 & U64, mask: A.t.mask & ~U32 & U64 };
        const hiB = { value: B.t.value & ~U32 & U64, mask: B.t.mask & ~U32 & U64 };
        A.t = { value: hiA.value | t.value, mask: hiA.mask | t.mask };
        B.t = { value: hiB.value | t.value, mask: hiB.mask | t.mask };
      }
      break;
    }
    case 'ne': {
      const bump = (X: Mut, Y: Mut): boolean => {
        if (Y[UMIN] !== Y[UMAX]) return true;
        const c = Y[UMIN];
        const sc = Y[SMIN];
        if (X[UMIN] === c && X[UMAX] === c) return false;
        if (X[UMIN] === c) X[UMIN] = c + 1n;
        else if (X[UMAX] === c) X[UMAX] = c - 1n;
        if (X[SMIN] === sc) X[SMIN] = sc + 1n;
        else if (X[SMAX] === sc) X[SMAX] = sc - 1n;
        return true;
      };
      if (!bump(A, B) || !bump(B, A)) return null;
      break;
    }
    case 'ugt':
      A[UMIN] = max(A[UMIN], B[UMIN] + 1n);
      B[UMAX] = min(B[UMAX], A[UMAX] - 1n);
      break;
    case 'uge':
      A[UMIN] = max(A[UMIN], B[UMIN]);
      B[UMAX] = min(B[UMAX], A[UMAX]);
      break;
    case 'ult':
      A[UMAX] = min(A[UMAX], B[UMAX] - 1n);
      B[UMIN] = max(B[UMIN], A[UMIN] + 1n);
      break;
    case 'ule':
      A[UMAX] = min(A[UMAX], B[UMAX]);
      B[UMIN] = max(B[UMIN], A[UMIN]);
      break;
    case 'sgt':
      A[SMIN] = max(A[SMIN], B[SMIN] + 1n);
      B[SMAX] = min(B[SMAX], A[SMAX] - 1n);
      break;
    case 'sge':
      A[SMIN] = max(A[SMIN], B[SMIN]);
      B[SMAX] = min(B[SMAX], A[SMAX]);
      break;
    case 'slt':
      A[SMAX] = min(A[SMAX], B[SMAX] - 1n);
      B[SMIN] = max(B[SMIN], A[SMIN] + 1n);
      break;
    case 'sle':
      A[SMAX] = min(A[SMAX], B[SMAX]);
      B[SMIN] = max(B[SMIN], A[SMIN]);
      break;
    case 'set': {
      const am = w === 64 ? A.t : tnumCast(A.t, 4);
      const bm = w === 64 ? B.t : tnumCast(B.t, 4);
      if (((am.value | am.mask) & (bm.value | bm.mask)) === 0n) return null;
      if (bm.mask === 0n && (bm.value & (bm.value - 1n)) === 0n && bm.value !== 0n) {
        const t = tnumIntersect(A.t, { value: bm.value, mask: U64 & ~bm.value });
        if (t === null) return null;
        A.t = t;
      }
      break;
    }
    case 'nset': {
      const bm = w === 64 ? B.t : tnumCast(B.t, 4);
      if (bm.mask === 0n) {
        if ((A.t.value & bm.value) !== 0n) return null;
        A.t = { value: A.t.value, mask: A.t.mask & ~bm.value & U64 };
      }
      break;
    }
  }
  const ra = syncBounds(A);
  const rb = syncBounds(B);
  if (ra === null || rb === null) return null;
  return [ra, rb];
}

/** Kernel-style text: a constant prints as its value, else the bounds that say something. */
export function scalarText(s: Scalar): string {
  if (isConst(s)) return String(s64(s.t.value));
  const parts: string[] = [];
  if (s.smin !== S64_MIN) parts.push(`smin=${s.smin}`);
  if (s.smax !== S64_MAX) parts.push(`smax=${s.smax}`);
  if (s.umin !== 0n) parts.push(`umin=${s.umin}`);
  if (s.umax !== U64) parts.push(`umax=${s.umax}`);
  if (s.u32max !== U32 && s.umax > U32) parts.push(`umax32=${s.u32max}`);
  if (s.t.mask !== U64)
    parts.push(`var_off=(0x${s.t.value.toString(16)}; 0x${s.t.mask.toString(16)})`);
  return `scalar(${parts.join(',')})`;
}
