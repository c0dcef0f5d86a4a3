// eBPF instruction -> WebAssembly: the JIT's one `switch` over every instruction code (the
// interpreter has the other). Straight-line instructions become statements here; jumps and exit
// only end blocks, so their control flow is placed by structure.ts and their conditions come
// from `condition` below. Groups live in lower-alu.ts and lower-mem.ts.

import { CompileError, assertNever } from '../errors.js';
import type { Insn, Program } from '../isa/insn.js';
import { Code, Jmp, LddwSrc } from '../isa/opcodes.js';
import { infoOf } from '../isa/table.js';
import { callbackTarget } from '../runtime/helpers.js';
import { idOf } from '../runtime/helpers/ids.js';
import {
  ARGS_SLOT,
  CALLBACK_FP_SLOT,
  CALLBACK_REGS_SLOT,
  FRAME_SIZE,
  MAX_FRAMES,
  R0_SLOT,
  TAIL_CALL_SLOT,
  TailCallWord,
  frameTop,
} from '../runtime/layout.js';
import { Local, PARAM_COUNT, TrapKind } from './abi.js';
import { type Expr, type IntCmpOp, WasmTypes } from './binaryen.js';
import { BUDGET_GLOBAL, type FnContext } from './context.js';
import {
  alu32,
  alu64,
  byteSwap,
  div32,
  div64,
  mod32,
  mod64,
  mov32,
  mov64,
  movsx32,
  movsx64,
  neg32,
  neg64,
  toLe,
} from './lower-alu.js';
import { lowerBuiltin } from './lower-builtins.js';
import { atomic, load, loadPacket, store } from './lower-mem.js';

const { i64, none } = WasmTypes;
const K = true;
const X = false;

/** The statement for one instruction (nop for jumps and exit: structure.ts handles those). */
export function lowerInsn(c: FnContext, insn: Insn): Expr {
  const code = insn.code;
  switch (code) {
    // ---- ALU64 ----
    case Code.ADD64_K:
      return alu64(c, insn, 'add', K);
    case Code.ADD64_X:
      return alu64(c, insn, 'add', X);
    case Code.SUB64_K:
      return alu64(c, insn, 'sub', K);
    case Code.SUB64_X:
      return alu64(c, insn, 'sub', X);
    case Code.MUL64_K:
      return alu64(c, insn, 'mul', K);
    case Code.MUL64_X:
      return alu64(c, insn, 'mul', X);
    case Code.DIV64_K:
      return div64(c, insn, false, K);
    case Code.DIV64_X:
      return div64(c, insn, false, X);
    case Code.SDIV64_K:
      return div64(c, insn, true, K);
    case Code.SDIV64_X:
      return div64(c, insn, true, X);
    case Code.OR64_K:
      return alu64(c, insn, 'or', K);
    case Code.OR64_X:
      return alu64(c, insn, 'or', X);
    case Code.AND64_K:
      return alu64(c, insn, 'and', K);
    case Code.AND64_X:
      return alu64(c, insn, 'and', X);
    case Code.LSH64_K:
      return alu64(c, insn, 'shl', K);
    case Code.LSH64_X:
      return alu64(c, insn, 'shl', X);
    case Code.RSH64_K:
      return alu64(c, insn, 'shr_u', K);
    case Code.RSH64_X:
      return alu64(c, insn, 'shr_u', X);
    case Code.NEG64:
      return neg64(c, insn);
    case Code.MOD64_K:
      return mod64(c, insn, false, K);
    case Code.MOD64_X:
      return mod64(c, insn, false, X);
    case Code.SMOD64_K:
      return mod64(c, insn, true, K);
    case Code.SMOD64_X:
      return mod64(c, insn, true, X);
    case Code.XOR64_K:
      return alu64(c, insn, 'xor', K);
    case Code.XOR64_X:
      return alu64(c, insn, 'xor', X);
    case Code.MOV64_K:
      return mov64(c, insn, K);
    case Code.MOV64_X:
      return mov64(c, insn, X);
    case Code.MOVSX8_64:
      return movsx64(c, insn, 8);
    case Code.MOVSX16_64:
      return movsx64(c, insn, 16);
    case Code.MOVSX32_64:
      return movsx64(c, insn, 32);
    case Code.ARSH64_K:
      return alu64(c, insn, 'shr_s', K);
    case Code.ARSH64_X:
      return alu64(c, insn, 'shr_s', X);
    case Code.BSWAP:
      return byteSwap(c, insn);
    // ---- ALU (32-bit) ----
    case Code.ADD32_K:
      return alu32(c, insn, 'add', K);
    case Code.ADD32_X:
      return alu32(c, insn, 'add', X);
    case Code.SUB32_K:
      return alu32(c, insn, 'sub', K);
    case Code.SUB32_X:
      return alu32(c, insn, 'sub', X);
    case Code.MUL32_K:
      return alu32(c, insn, 'mul', K);
    case Code.MUL32_X:
      return alu32(c, insn, 'mul', X);
    case Code.DIV32_K:
      return div32(c, insn, false, K);
    case Code.DIV32_X:
      return div32(c, insn, false, X);
    case Code.SDIV32_K:
      return div32(c, insn, true, K);
    case Code.SDIV32_X:
      return div32(c, insn, true, X);
    case Code.OR32_K:
      return alu32(c, insn, 'or', K);
    case Code.OR32_X:
      return alu32(c, insn, 'or', X);
    case Code.AND32_K:
      return alu32(c, insn, 'and', K);
    case Code.AND32_X:
      return alu32(c, insn, 'and', X);
    case Code.LSH32_K:
      return alu32(c, insn, 'shl', K);
    case Code.LSH32_X:
      return alu32(c, insn, 'shl', X);
    case Code.RSH32_K:
      return alu32(c, insn, 'shr_u', K);
    case Code.RSH32_X:
      return alu32(c, insn, 'shr_u', X);
    case Code.NEG32:
      return neg32(c, insn);
    case Code.MOD32_K:
      return mod32(c, insn, false, K);
    case Code.MOD32_X:
      return mod32(c, insn, false, X);
    case Code.SMOD32_K:
      return mod32(c, insn, true, K);
    case Code.SMOD32_X:
      return mod32(c, insn, true, X);
    case Code.XOR32_K:
      return alu32(c, insn, 'xor', K);
    case Code.XOR32_X:
      return alu32(c, insn, 'xor', X);
    case Code.MOV32_K:
      return mov32(c, insn, K);
    case Code.MOV32_X:
      return mov32(c, insn, X);
    case Code.MOVSX8_32:
      return movsx32(c, insn, 8);
    case Code.MOVSX16_32:
      return movsx32(c, insn, 16);
    case Code.ARSH32_K:
      return alu32(c, insn, 'shr_s', K);
    case Code.ARSH32_X:
      return alu32(c, insn, 'shr_s', X);
    case Code.LE:
      return toLe(c, insn);
    case Code.BE:
      return byteSwap(c, insn);
    // ---- jumps and exit: control flow is structure.ts's, conditions are `condition`'s ----
    case Code.JA:
    case Code.JA32:
    case Code.JEQ_K:
    case Code.JEQ_X:
    case Code.JGT_K:
    case Code.JGT_X:
    case Code.JGE_K:
    case Code.JGE_X:
    case Code.JSET_K:
    case Code.JSET_X:
    case Code.JNE_K:
    case Code.JNE_X:
    case Code.JSGT_K:
    case Code.JSGT_X:
    case Code.JSGE_K:
    case Code.JSGE_X:
    case Code.JLT_K:
    case Code.JLT_X:
    case Code.JLE_K:
    case Code.JLE_X:
    case Code.JSLT_K:
    case Code.JSLT_X:
    case Code.JSLE_K:
    case Code.JSLE_X:
    case Code.JEQ32_K:
    case Code.JEQ32_X:
    case Code.JGT32_K:
    case Code.JGT32_X:
    case Code.JGE32_K:
    case Code.JGE32_X:
    case Code.JSET32_K:
    case Code.JSET32_X:
    case Code.JNE32_K:
    case Code.JNE32_X:
    case Code.JSGT32_K:
    case Code.JSGT32_X:
    case Code.JSGE32_K:
    case Code.JSGE32_X:
    case Code.JLT32_K:
    case Code.JLT32_X:
    case Code.JLE32_K:
    case Code.JLE32_X:
    case Code.JSLT32_K:
    case Code.JSLT32_X:
    case Code.JSLE32_K:
    case Code.JSLE32_X:
    case Code.EXIT:
      return c.w.nop();
    // ---- calls ----
    case Code.CALL_HELPER:
      return c.wasmHelpers.has(insn.imm >>> 0)
        ? callWasmHelper(c, insn)
        : callJsHelper(c, c.k32(insn.imm), insn.pc);
    case Code.CALLX:
      return callJsHelper(c, c.lo(insn.dst), insn.pc);
    case Code.CALL_LOCAL:
      return callLocal(c, insn);
    case Code.CALL_KFUNC:
      // The loader's built-ins (memset/memcpy/memmove/memcmp); other kfuncs are refused.
      return lowerBuiltin(c, insn);
    // ---- LD ----
    case Code.LDDW:
      // A function pointer is the callee's entry slot index, as in the interpreter.
      return insn.src === LddwSrc.FUNC
        ? c.set(insn.dst, c.k64(BigInt(callbackTarget(insn.pc, insn.imm))))
        : c.set(insn.dst, c.k64(insn.imm64));
    case Code.LDABSW:
      return loadPacket(c, insn, 4, false);
    case Code.LDABSH:
      return loadPacket(c, insn, 2, false);
    case Code.LDABSB:
      return loadPacket(c, insn, 1, false);
    case Code.LDINDW:
      return loadPacket(c, insn, 4, true);
    case Code.LDINDH:
      return loadPacket(c, insn, 2, true);
    case Code.LDINDB:
      return loadPacket(c, insn, 1, true);
    // ---- LDX ----
    case Code.LDXW:
      return load(c, insn, 'load32_u');
    case Code.LDXH:
      return load(c, insn, 'load16_u');
    case Code.LDXB:
      return load(c, insn, 'load8_u');
    case Code.LDXDW:
      return load(c, insn, 'load');
    case Code.LDXSW:
      return load(c, insn, 'load32_s');
    case Code.LDXSH:
      return load(c, insn, 'load16_s');
    case Code.LDXSB:
      return load(c, insn, 'load8_s');
    // ---- ST / STX ----
    case Code.STW:
      return store(c, insn, 'store32', K);
    case Code.STH:
      return store(c, insn, 'store16', K);
    case Code.STB:
      return store(c, insn, 'store8', K);
    case Code.STDW:
      return store(c, insn, 'store', K);
    case Code.STXW:
      return store(c, insn, 'store32', X);
    case Code.STXH:
      return store(c, insn, 'store16', X);
    case Code.STXB:
      return store(c, insn, 'store8', X);
    case Code.STXDW:
      return store(c, insn, 'store', X);
    // ---- atomics ----
    case Code.ATOMIC32_ADD:
      return atomic(c, insn, 32, 'add', false);
    case Code.ATOMIC32_FETCH_ADD:
      return atomic(c, insn, 32, 'add', true);
    case Code.ATOMIC32_OR:
      return atomic(c, insn, 32, 'or', false);
    case Code.ATOMIC32_FETCH_OR:
      return atomic(c, insn, 32, 'or', true);
    case Code.ATOMIC32_AND:
      return atomic(c, insn, 32, 'and', false);
    case Code.ATOMIC32_FETCH_AND:
      return atomic(c, insn, 32, 'and', true);
    case Code.ATOMIC32_XOR:
      return atomic(c, insn, 32, 'xor', false);
    case Code.ATOMIC32_FETCH_XOR:
      return atomic(c, insn, 32, 'xor', true);
    case Code.ATOMIC32_XCHG:
      return atomic(c, insn, 32, 'xchg', true);
    case Code.ATOMIC32_CMPXCHG:
      return atomic(c, insn, 32, 'cmpxchg', true);
    case Code.ATOMIC64_ADD:
      return atomic(c, insn, 64, 'add', false);
    case Code.ATOMIC64_FETCH_ADD:
      return atomic(c, insn, 64, 'add', true);
    case Code.ATOMIC64_OR:
      return atomic(c, insn, 64, 'or', false);
    case Code.ATOMIC64_FETCH_OR:
      return atomic(c, insn, 64, 'or', true);
    case Code.ATOMIC64_AND:
      return atomic(c, insn, 64, 'and', false);
    case Code.ATOMIC64_FETCH_AND:
      return atomic(c, insn, 64, 'and', true);
    case Code.ATOMIC64_XOR:
      return atomic(c, insn, 64, 'xor', false);
    case Code.ATOMIC64_FETCH_XOR:
      return atomic(c, insn, 64, 'xor', true);
    case Code.ATOMIC64_XCHG:
      return atomic(c, insn, 64, 'xchg', true);
    case Code.ATOMIC64_CMPXCHG:
      return atomic(c, insn, 64, 'cmpxchg', true);
    default:
      return assertNever(code, 'instruction code');
  }
}

// Comparison of each conditional jump, and of its negation (for br_if on the fallthrough).
const CMP: Partial<Record<number, readonly [IntCmpOp, IntCmpOp]>> = {
  [Jmp.JEQ]: ['eq', 'ne'],
  [Jmp.JNE]: ['ne', 'eq'],
  [Jmp.JGT]: ['gt_u', 'le_u'],
  [Jmp.JGE]: ['ge_u', 'lt_u'],
  [Jmp.JLT]: ['lt_u', 'ge_u'],
  [Jmp.JLE]: ['le_u', 'gt_u'],
  [Jmp.JSGT]: ['gt_s', 'le_s'],
  [Jmp.JSGE]: ['ge_s', 'lt_s'],
  [Jmp.JSLT]: ['lt_s', 'ge_s'],
  [Jmp.JSLE]: ['le_s', 'gt_s'],
};

/** The i32 condition under which the conditional jump `insn` is taken (or, negated, not taken). */
export function condition(c: FnContext, insn: Insn, negate: boolean): Expr {
  const { w } = c;
  const info = infoOf(insn.code);
  const op = insn.code & 0xf0;
  const useImm = (insn.code & 0x08) === 0;
  const wide = info.width === 64;
  const a = wide ? c.get(insn.dst) : c.lo(insn.dst);
  const b = wide
    ? useImm
      ? c.k64(insn.imm64)
      : c.get(insn.src)
    : useImm
      ? c.k32(insn.imm)
      : c.lo(insn.src);
  if (op === Jmp.JSET) {
    const bits = wide ? w.bin64('and', a, b) : w.bin32('and', a, b);
    const none = wide ? w.eqz64(bits) : w.eqz32(bits);
    return negate ? none : w.eqz32(none);
  }
  const ops = CMP[op];
  if (ops === undefined || info.kind !== 'jmp') {
    throw new CompileError(
      'COMPILE_FAILED',
      `internal: ${info.mnemonic} is not a conditional jump`,
      { insn: insn.pc },
    );
  }
  const cmp = ops[negate ? 1 : 0];
  return wide ? w.cmp64(cmp, a, b) : w.cmp32(cmp, a, b);
}

/** Registers a callback starts with besides r1-r5 and r10, in CALLBACK_REGS_SLOT order. */
const CALLBACK_REGS = [0, 6, 7, 8, 9] as const;

/**
 * r1-r5 into ARGS_SLOT, the JS helper import, r0 from R0_SLOT. r1-r5 keep their values. In a
 * program with callbacks the helper may run a subprogram: hand it r10, r0, r6-r9 and the budget
 * (through its global), and take the budget back after.
 */
function callJsHelper(c: FnContext, id: Expr, pc: number): Expr {
  const { w } = c;
  const out: Expr[] = [];
  for (let r = 1; r <= 5; r++)
    out.push(w.store64('store', ARGS_SLOT + (r - 1) * 8, c.k32(0), c.get(r)));
  if (c.callbacks) {
    out.push(w.store64('store', CALLBACK_FP_SLOT, c.k32(0), c.get(10)));
    CALLBACK_REGS.forEach((r, k) =>
      out.push(w.store64('store', CALLBACK_REGS_SLOT + k * 8, c.k32(0), c.get(r))),
    );
    out.push(w.globalSet(BUDGET_GLOBAL, w.localGet(Local.BUDGET, i64)));
  }
  out.push(w.call('helper', [id, c.k32(pc)], none));
  if (c.callbacks) out.push(w.localSet(Local.BUDGET, w.globalGet(BUDGET_GLOBAL, i64)));
  out.push(c.set(0, w.load64('load', R0_SLOT, c.k32(0))));
  return w.block(null, out);
}

/** A helper implemented in Wasm: a direct call, no JS on the way. */
function callWasmHelper(c: FnContext, insn: Insn): Expr {
  const args = [1, 2, 3, 4, 5].map((r) => c.get(r));
  const callee = c.wasmHelpers.get(insn.imm >>> 0) as string;
  const call = c.mark(c.w.call(callee, args, i64), insn.pc);
  return c.set(0, call);
}

/**
 * bpf-to-bpf call: check the depth (r10 tells it: frame d has r10 = frameTop(d)), hand the
 * budget over through its global, call with every register and r10 one frame up, then take
 * back the budget and the callee's r1-r5 (from ARGS_SLOT, see abi.ts).
 */
function callLocal(c: FnContext, insn: Insn): Expr {
  const { w } = c;
  const args: Expr[] = [];
  for (let r = 0; r < PARAM_COUNT - 1; r++) args.push(c.get(r));
  args.push(w.bin64('add', c.get(10), c.k64(BigInt(FRAME_SIZE))));
  const out: Expr[] = [
    w.if(
      w.cmp64('ge_u', c.get(10), c.k64(BigInt(frameTop(MAX_FRAMES - 1)))),
      c.trap(TrapKind.CALL_DEPTH, insn.pc),
    ),
    w.globalSet(BUDGET_GLOBAL, w.localGet(Local.BUDGET, i64)),
    c.set(0, w.call(c.calleeOf(insn), args, i64)),
    w.localSet(Local.BUDGET, w.globalGet(BUDGET_GLOBAL, i64)),
  ];
  for (let r = 1; r <= 5; r++)
    out.push(c.set(r, w.load64('load', ARGS_SLOT + (r - 1) * 8, c.k32(0))));
  return w.block(null, out);
}

/** Leave a subprogram: r1-r5 to ARGS_SLOT for the caller, budget to its global, return r0. */
export function exitSequence(c: FnContext): Expr {
  const { w } = c;
  const out: Expr[] = [];
  for (let r = 1; r <= 5; r++)
    out.push(w.store64('store', ARGS_SLOT + (r - 1) * 8, c.k32(0), c.get(r)));
  out.push(w.globalSet(BUDGET_GLOBAL, w.localGet(Local.BUDGET, i64)));
  out.push(w.return(c.get(0)));
  return w.block(null, out, WasmTypes.auto);
}

// ---- tail calls by returns (src/runtime/object/tail-call.ts) ----

/** bpf_tail_call's helper id (linux/bpf.h). */
const TAIL_CALL_ID = idOf('tail_call');

/** Whether `insn` may call bpf_tail_call: `call 12`, or callx (its id is only known at run). */
export function mayTailCall(insn: Insn): boolean {
  return (
    (insn.code === Code.CALL_HELPER && insn.imm >>> 0 === TAIL_CALL_ID) || insn.code === Code.CALLX
  );
}

/**
 * Whether a program can tail call at all: only those get the arms and checks, so the others pay
 * nothing.
 */
export function canTailCall(program: Program): boolean {
  return program.insns.some(mayTailCall);
}

/** Before a call that may be bpf_tail_call: tell the helper this code unwinds by returns. */
export function armTailCall(c: FnContext): Expr {
  return c.w.store32(TAIL_CALL_SLOT, c.k32(0), c.k32(TailCallWord.ARMED));
}

/**
 * After a call that may have recorded a tail call (bpf_tail_call, callx, a bpf-to-bpf call):
 * return at once when one is pending, so the whole program unwinds to `run` and the run loop
 * starts the target (r0 is not looked at). After callx, `disarm`: a callx to another helper
 * leaves the arm set, and it must not meet a later bpf_tail_call from code that checks nothing.
 */
export function tailCallCheck(c: FnContext, disarm: boolean): Expr {
  const { w } = c;
  const pending = w.cmp32(
    'eq',
    w.load32('load', TAIL_CALL_SLOT, c.k32(0)),
    c.k32(TailCallWord.PENDING),
  );
  const leave = w.if(pending, w.return(c.get(0)));
  if (!disarm) return leave;
  return w.block(null, [leave, w.store32(TAIL_CALL_SLOT, c.k32(0), c.k32(TailCallWord.IDLE))]);
}
