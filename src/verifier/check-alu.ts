// ALU and ALU64 instructions over abstract registers: scalar arithmetic through bounds.ts, and
// the kernel's pointer arithmetic rules (only pointer +/- scalar, 64-bit, on pointer types that
// allow it, with sane offsets; pointer - pointer gives a scalar; anything else is refused).

import { type Insn } from '../isa/insn.js';
import { Code } from '../isa/opcodes.js';
import { infoOf } from '../isa/table.js';
import {
  type AluOp,
  isConst,
  S64_MIN,
  type Scalar,
  scalarAlu,
  scalarBswap,
  scalarConst,
  scalarSext,
  scalarTrunc,
  scalarURange,
  scalarZext32,
} from './bounds.js';
import { type Env, fail, newId } from './env.js';
import { isOrNull, isPointer, type Reg, scalarReg, UNKNOWN_SCALAR, type VState } from './state.js';
import { U32 } from './tnum.js';

/** BPF_MAX_VAR_OFF: the largest offset a pointer may be moved by. */
export const MAX_VAR_OFF = 1 << 29;

const OPS: Readonly<Record<number, AluOp>> = {
  0x00: 'add',
  0x10: 'sub',
  0x20: 'mul',
  0x30: 'div',
  0x40: 'or',
  0x50: 'and',
  0x60: 'lsh',
  0x70: 'rsh',
  0x90: 'mod',
  0xa0: 'xor',
  0xc0: 'arsh',
};

/** Read a register as a source operand: it must have been written. */
export function readReg(st: VState, r: number, pc: number): Reg {
  const reg = st.cur.regs[r] as Reg;
  if (reg.type === 'not_init') fail('VERIFY_UNINIT_REG', `R${r} !read_ok`, pc);
  return reg;
}

export function checkAlu(env: Env, st: VState, insn: Insn): void {
  const info = infoOf(insn.code);
  const regs = st.cur.regs;
  const pc = insn.pc;
  const w = info.cls === 0x07 ? 64 : 32;
  const op = insn.code & 0xf0;
  const isX = (insn.code & 0x08) !== 0;

  // mov and movsx
  if (op === 0xb0) {
    if (!isX) {
      regs[insn.dst] = scalarReg(
        scalarConst(w === 64 ? insn.imm64 : BigInt.asUintN(32, BigInt(insn.imm))),
      );
      return;
    }
    const src = readReg(st, insn.src, pc);
    const sx = info.variant?.field === 'off' ? info.variant.value : 0;
    if (sx !== 0) {
      if (src.type !== 'scalar')
        fail('VERIFY_PTR_ARITH', `R${insn.src} sign-extension of a pointer prohibited`, pc);
      regs[insn.dst] = scalarReg(scalarSext(src.v, sx as 8 | 16 | 32, w));
      return;
    }
    if (w === 64) {
      if (src.type === 'scalar' && src.id === 0 && !isConst(src.v)) {
        // Link the copies: a bound learnt on one holds for the other.
        const linked = { ...src, id: newId(env) };
        regs[insn.src] = linked;
        regs[insn.dst] = linked;
      } else {
        regs[insn.dst] = src;
      }
      return;
    }
    if (src.type !== 'scalar') {
      // A partial copy of a pointer is an unknown 32-bit number.
      regs[insn.dst] = scalarReg(scalarURange(0n, U32));
      return;
    }
    if (src.v.umax <= U32 && !isConst(src.v)) {
      // The value fits in 32 bits, so the copy is the same number: link them as mov64 does.
      const id = src.id !== 0 ? src.id : newId(env);
      regs[insn.src] = { ...src, id };
      regs[insn.dst] = { ...src, id };
      return;
    }
    regs[insn.dst] = scalarReg(scalarZext32(src.v));
    return;
  }

  const dst = readReg(st, insn.dst, pc);
  if (op === 0x80 || op === 0xd0) {
    if (dst.type !== 'scalar')
      fail('VERIFY_PTR_ARITH', `R${insn.dst} ${info.mnemonic} on pointer prohibited`, pc);
    let v: Scalar;
    if (op === 0x80) v = scalarAlu('sub', w, scalarConst(0n), dst.v);
    else if (insn.code === Code.LE) v = scalarTrunc(dst.v, insn.imm as 16 | 32 | 64);
    else v = scalarBswap(dst.v, insn.imm as 16 | 32 | 64);
    regs[insn.dst] = scalarReg(v);
    return;
  }

  const aluOp = OPS[op];
  if (aluOp === undefined)
    fail('VERIFY_UNSUPPORTED_INSN', `unknown ALU operation ${info.mnemonic}`, pc);
  const signed = info.name.startsWith('SDIV') || info.name.startsWith('SMOD');
  const realOp: AluOp = signed ? (aluOp === 'div' ? 'sdiv' : 'smod') : aluOp;
  const src: Reg = isX
    ? readReg(st, insn.src, pc)
    : scalarReg(scalarConst(w === 64 ? insn.imm64 : BigInt.asUintN(32, BigInt(insn.imm))));

  if (dst.type === 'scalar' && src.type === 'scalar') {
    regs[insn.dst] = scalarReg(scalarAlu(realOp, w, dst.v, src.v));
    return;
  }
  regs[insn.dst] = pointerArith(env, insn, realOp, w, dst, src);
}

function sane(env: Env, s: Scalar, what: string, pc: number): void {
  void env;
  if (isConst(s)) {
    const v = BigInt.asIntN(64, s.t.value);
    if (v >= BigInt(MAX_VAR_OFF) || v <= -BigInt(MAX_VAR_OFF)) {
      fail('VERIFY_PTR_ARITH', `math between ${what} pointer and ${v} is not allowed`, pc);
    }
    return;
  }
  if (s.smin === S64_MIN) {
    fail(
      'VERIFY_PTR_ARITH',
      `math between ${what} pointer and register with unbounded min value is not allowed`,
      pc,
    );
  }
  if (s.smin >= BigInt(MAX_VAR_OFF) || s.smin <= -BigInt(MAX_VAR_OFF)) {
    fail('VERIFY_PTR_ARITH', `value ${s.smin} makes ${what} pointer be out of bounds`, pc);
  }
}

function pointerArith(env: Env, insn: Insn, op: AluOp, w: 32 | 64, dst: Reg, src: Reg): Reg {
  const pc = insn.pc;
  const r = insn.dst;
  if (w === 32) {
    if (op === 'sub') return UNKNOWN_SCALAR;
    fail('VERIFY_PTR_ARITH', `R${r} 32-bit pointer arithmetic prohibited`, pc);
  }
  if (isPointer(dst) && isPointer(src)) {
    if (op === 'sub') return UNKNOWN_SCALAR;
    fail('VERIFY_PTR_ARITH', `R${r} pointer ${op} pointer prohibited`, pc);
  }
  let ptr = dst;
  let off = src;
  if (!isPointer(dst)) {
    if (op !== 'add') {
      fail(
        'VERIFY_PTR_ARITH',
        op === 'sub'
          ? `R${r} tried to subtract pointer from scalar`
          : `R${r} ${op} with pointer operand prohibited`,
        pc,
      );
    }
    ptr = src;
    off = dst;
  }
  if (op !== 'add' && op !== 'sub') {
    fail('VERIFY_PTR_ARITH', `R${r} pointer arithmetic with ${op} operator prohibited`, pc);
  }
  if (isOrNull(ptr)) {
    fail(
      'VERIFY_PTR_ARITH',
      `R${r} pointer arithmetic on ${ptr.type} prohibited, null-check it first`,
      pc,
    );
  }
  if (ptr.type === 'map_ptr' || ptr.type === 'pkt_end' || ptr.type === 'func') {
    fail('VERIFY_PTR_ARITH', `R${r} pointer arithmetic on ${ptr.type} prohibited`, pc);
  }
  sane(env, off.v, ptr.type, pc);
  if (isConst(off.v)) {
    const c = Number(BigInt.asIntN(64, off.v.t.value));
    const next = op === 'add' ? ptr.off + c : ptr.off - c;
    if (next >= MAX_VAR_OFF || next <= -MAX_VAR_OFF) {
      fail('VERIFY_PTR_ARITH', `R${r} pointer offset ${next} is not allowed`, pc);
    }
    return { ...ptr, off: next };
  }
  const v = scalarAlu(op, 64, ptr.v, off.v);
  // As the kernel: only the lower bound is checked here; accesses check the rest.
  if (v.smin <= -BigInt(MAX_VAR_OFF) || v.smin >= BigInt(MAX_VAR_OFF)) {
    fail(
      'VERIFY_PTR_ARITH',
      `R${r} variable offset makes ${ptr.type} pointer be out of bounds`,
      pc,
    );
  }
  // A packet pointer moved by an unknown amount is a new pointer: no range proven for it yet.
  if (ptr.type === 'pkt' || ptr.type === 'pkt_meta') return { ...ptr, v, id: newId(env), range: 0 };
  return { ...ptr, v };
}
