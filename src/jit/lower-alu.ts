// Lowering of ALU and ALU64 instructions. 64-bit ops work on the i64 register locals; 32-bit
// ops compute in i32 on the low halves and zero-extend the result.
//
// Where Wasm and eBPF differ, the code guards explicitly:
// - x / 0 = 0 and x % 0 = x (the 32-bit form still truncates x to 32 bits); Wasm traps;
// - signed INT_MIN / -1 = INT_MIN (Wasm div_s traps), so a divisor of -1 becomes a negation;
//   INT_MIN % -1 = 0 is what Wasm rem_s already gives, without trapping;
// - 32-bit ops read only the low half of the divisor.
// Shift counts need nothing: Wasm masks them by 63/31 exactly as eBPF does. With an immediate
// operand (K form) every guard is decided at compile time.

import type { Insn } from '../isa/insn.js';
import type { IntBinOp } from './binaryen.js';
import type { Expr } from './binaryen.js';
import type { FnContext } from './context.js';

/** Second operand of a 64-bit op: imm (sign-extended) or src. */
function operand64(c: FnContext, insn: Insn, useImm: boolean): Expr {
  return useImm ? c.k64(insn.imm64) : c.get(insn.src);
}
function operand32(c: FnContext, insn: Insn, useImm: boolean): Expr {
  return useImm ? c.k32(insn.imm) : c.lo(insn.src);
}

/** dst = dst op operand (64-bit) for ops with no Wasm/eBPF mismatch. */
export function alu64(c: FnContext, insn: Insn, op: IntBinOp, useImm: boolean): Expr {
  const b = isShift(op) && useImm ? c.k64(BigInt(insn.imm & 63)) : operand64(c, insn, useImm);
  return c.set(insn.dst, c.w.bin64(op, c.get(insn.dst), b));
}

/** dst = zext32(dst32 op operand32). */
export function alu32(c: FnContext, insn: Insn, op: IntBinOp, useImm: boolean): Expr {
  const b = isShift(op) && useImm ? c.k32(insn.imm & 31) : operand32(c, insn, useImm);
  return c.set32(insn.dst, c.w.bin32(op, c.lo(insn.dst), b));
}

function isShift(op: IntBinOp): boolean {
  return op === 'shl' || op === 'shr_u' || op === 'shr_s';
}

/** Unsigned or signed division, 64-bit. */
export function div64(c: FnContext, insn: Insn, signed: boolean, useImm: boolean): Expr {
  const { w } = c;
  const d = insn.dst;
  if (useImm) {
    if (insn.imm === 0) return c.set(d, c.k64(0n));
    if (signed && insn.imm === -1) return c.set(d, w.bin64('sub', c.k64(0n), c.get(d)));
    return c.set(d, w.bin64(signed ? 'div_s' : 'div_u', c.get(d), c.k64(insn.imm64)));
  }
  const s = insn.src;
  const quotient = signed
    ? w.if(
        w.cmp64('eq', c.get(s), c.k64(-1n)),
        w.bin64('sub', c.k64(0n), c.get(d)),
        w.bin64('div_s', c.get(d), c.get(s)),
      )
    : w.bin64('div_u', c.get(d), c.get(s));
  return c.set(d, w.if(w.eqz64(c.get(s)), c.k64(0n), quotient));
}

/** Unsigned or signed modulo, 64-bit: dst is unchanged when the divisor is 0. */
export function mod64(c: FnContext, insn: Insn, signed: boolean, useImm: boolean): Expr {
  const { w } = c;
  const d = insn.dst;
  const op = signed ? 'rem_s' : 'rem_u';
  if (useImm) {
    if (insn.imm === 0) return w.nop();
    return c.set(d, w.bin64(op, c.get(d), c.k64(insn.imm64)));
  }
  return w.if(w.eqz64(c.get(insn.src)), w.nop(), c.set(d, w.bin64(op, c.get(d), c.get(insn.src))));
}

/** Division, 32-bit (low halves), zero-extended. */
export function div32(c: FnContext, insn: Insn, signed: boolean, useImm: boolean): Expr {
  const { w } = c;
  const d = insn.dst;
  if (useImm) {
    if (insn.imm === 0) return c.set(d, c.k64(0n));
    if (signed && insn.imm === -1) return c.set32(d, w.bin32('sub', c.k32(0), c.lo(d)));
    return c.set32(d, w.bin32(signed ? 'div_s' : 'div_u', c.lo(d), c.k32(insn.imm)));
  }
  const s = insn.src;
  const quotient = signed
    ? w.if(
        w.cmp32('eq', c.lo(s), c.k32(-1)),
        w.bin32('sub', c.k32(0), c.lo(d)),
        w.bin32('div_s', c.lo(d), c.lo(s)),
      )
    : w.bin32('div_u', c.lo(d), c.lo(s));
  return c.set32(d, w.if(w.eqz32(c.lo(s)), c.k32(0), quotient));
}

/** Modulo, 32-bit: x % 0 = x truncated to 32 bits. */
export function mod32(c: FnContext, insn: Insn, signed: boolean, useImm: boolean): Expr {
  const { w } = c;
  const d = insn.dst;
  const op = signed ? 'rem_s' : 'rem_u';
  if (useImm) {
    if (insn.imm === 0) return c.set32(d, c.lo(d));
    return c.set32(d, w.bin32(op, c.lo(d), c.k32(insn.imm)));
  }
  const s = insn.src;
  return c.set32(d, w.if(w.eqz32(c.lo(s)), c.lo(d), w.bin32(op, c.lo(d), c.lo(s))));
}

export function neg64(c: FnContext, insn: Insn): Expr {
  return c.set(insn.dst, c.w.bin64('sub', c.k64(0n), c.get(insn.dst)));
}

export function neg32(c: FnContext, insn: Insn): Expr {
  return c.set32(insn.dst, c.w.bin32('sub', c.k32(0), c.lo(insn.dst)));
}

export function mov64(c: FnContext, insn: Insn, useImm: boolean): Expr {
  return c.set(insn.dst, operand64(c, insn, useImm));
}

export function mov32(c: FnContext, insn: Insn, useImm: boolean): Expr {
  if (useImm) return c.set(insn.dst, c.k64(BigInt(insn.imm >>> 0)));
  return c.set32(insn.dst, c.lo(insn.src));
}

/** movsx{8,16,32}64: sign-extend the low bits of src to 64. */
export function movsx64(c: FnContext, insn: Insn, bits: 8 | 16 | 32): Expr {
  return c.set(insn.dst, c.w.signExt64(bits, c.get(insn.src)));
}

/** movsx{8,16}32: sign-extend to 32 bits, then zero-extend to 64. */
export function movsx32(c: FnContext, insn: Insn, bits: 8 | 16): Expr {
  return c.set32(insn.dst, c.w.signExt32(bits, c.lo(insn.src)));
}

/** le{16,32,64}: on this little-endian layout only the truncation remains. */
export function toLe(c: FnContext, insn: Insn): Expr {
  const d = insn.dst;
  if (insn.imm === 16) return c.set(d, c.w.bin64('and', c.get(d), c.k64(0xffffn)));
  if (insn.imm === 32) return c.set32(d, c.lo(d));
  return c.w.nop();
}

/** be{16,32,64} and bswap{16,32,64}: byte-swap the low `imm` bits, zero-extended. */
export function byteSwap(c: FnContext, insn: Insn): Expr {
  const d = insn.dst;
  if (insn.imm === 16)
    return c.set32(
      d,
      bswap16(c, () => c.lo(d)),
    );
  if (insn.imm === 32)
    return c.set32(
      d,
      bswap32(c, () => c.lo(d)),
    );
  const { w } = c;
  const low = c.w.extendU(bswap32(c, () => c.lo(d)));
  const high = c.w.extendU(bswap32(c, () => w.wrap(w.bin64('shr_u', c.get(d), c.k64(32n)))));
  return c.set(d, w.bin64('or', w.bin64('shl', low, c.k64(32n)), high));
}

/** Swap the two low bytes of an i32 (the rest becomes 0). `x` yields a fresh read each call. */
export function bswap16(c: FnContext, x: () => Expr): Expr {
  const { w } = c;
  return w.bin32(
    'or',
    w.bin32('shl', w.bin32('and', x(), c.k32(0xff)), c.k32(8)),
    w.bin32('and', w.bin32('shr_u', x(), c.k32(8)), c.k32(0xff)),
  );
}

/** Reverse the bytes of an i32: rotl(x & 0xff00ff00, 8) | rotr(x & 0x00ff00ff, 8). */
export function bswap32(c: FnContext, x: () => Expr): Expr {
  const { w } = c;
  return w.bin32(
    'or',
    w.bin32('rotl', w.bin32('and', x(), c.k32(0xff00ff00)), c.k32(8)),
    w.bin32('rotr', w.bin32('and', x(), c.k32(0x00ff00ff)), c.k32(8)),
  );
}
