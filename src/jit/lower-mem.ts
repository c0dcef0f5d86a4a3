// Lowering of loads, stores, atomics and the legacy packet loads.
//
// An eBPF pointer is a linear-memory address in an i64 register. A non-negative `off` goes into
// the memarg offset (`i32.wrap(reg)` + off, checked by Wasm against the memory size without
// wrapping, so an address past 4 GiB traps as it should); a negative one (stack accesses through
// r10) is added first, since memarg offsets are unsigned: `i32.wrap(reg + off)`.
//
// The JIT does not check eBPF regions: Wasm bounds-checks every access against the whole memory
// (a trap becomes RunError OUT_OF_BOUNDS with the instruction index), and the verifier keeps
// verified programs inside their regions. So an access outside the memory traps in both engines,
// while an access inside the memory but outside every region (the null page, a dead stack frame)
// traps in the interpreter only.
//
// Atomics: Wasm has atomic read-modify-write only for shared memories (threads). A run is
// single-threaded and nothing else touches the memory meanwhile, so a plain load, op and store
// is exact.

import type { Insn } from '../isa/insn.js';
import { DATA_BASE } from '../runtime/layout.js';
import { Local, TrapKind } from './abi.js';
import type { IntBinOp, Load64, Store64 } from './binaryen.js';
import { type Expr, WasmTypes } from './binaryen.js';
import { type FnContext, INPUT_LEN_GLOBAL } from './context.js';
import { bswap16, bswap32 } from './lower-alu.js';

const { i32, i64 } = WasmTypes;

interface Address {
  readonly ptr: Expr;
  readonly offset: number;
}

function address(c: FnContext, reg: number, off: number): Address {
  if (off >= 0) return { ptr: c.lo(reg), offset: off };
  return { ptr: c.w.wrap(c.w.bin64('add', c.get(reg), c.k64(BigInt(off)))), offset: 0 };
}

/** dst = *(kind *)(src + off) */
export function load(c: FnContext, insn: Insn, kind: Load64): Expr {
  const a = address(c, insn.src, insn.off);
  return c.set(insn.dst, c.mark(c.w.load64(kind, a.offset, a.ptr), insn.pc));
}

/** *(kind *)(dst + off) = imm (useImm) or src */
export function store(c: FnContext, insn: Insn, kind: Store64, useImm: boolean): Expr {
  const a = address(c, insn.dst, insn.off);
  const value = useImm ? c.k64(insn.imm64) : c.get(insn.src);
  return c.mark(c.w.store64(kind, a.offset, a.ptr, value), insn.pc);
}

export type AtomicOp = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg';

/**
 * Atomic op on *(u32|u64 *)(dst + off) with src. `fetch`: src receives the old value
 * (zero-extended for 32 bits); cmpxchg compares with r0 and leaves the old value in r0.
 */
export function atomic(
  c: FnContext,
  insn: Insn,
  width: 32 | 64,
  op: AtomicOp,
  fetch: boolean,
): Expr {
  const { w } = c;
  const a = address(c, insn.dst, insn.off);
  const loadKind: Load64 = width === 64 ? 'load' : 'load32_u';
  const storeKind: Store64 = width === 64 ? 'store' : 'store32';
  const out: Expr[] = [w.localSet(Local.ADDR, a.ptr)];
  // old = *addr
  out.push(w.localSet(Local.TMP_A, c.mark(w.load64(loadKind, a.offset, c.addr()), insn.pc)));
  const storeOf = (value: Expr): Expr =>
    c.mark(w.store64(storeKind, a.offset, c.addr(), value), insn.pc);
  switch (op) {
    case 'add':
    case 'or':
    case 'and':
    case 'xor':
      out.push(storeOf(w.bin64(op as IntBinOp, c.tmpA(), c.get(insn.src))));
      if (fetch) out.push(c.set(insn.src, c.tmpA()));
      break;
    case 'xchg':
      out.push(storeOf(c.get(insn.src)));
      out.push(c.set(insn.src, c.tmpA()));
      break;
    case 'cmpxchg': {
      const equal =
        width === 64 ? w.cmp64('eq', c.tmpA(), c.get(0)) : w.cmp32('eq', w.wrap(c.tmpA()), c.lo(0));
      out.push(w.if(equal, storeOf(c.get(insn.src))));
      out.push(c.set(0, c.tmpA()));
      break;
    }
  }
  return w.block(null, out);
}

/**
 * Legacy ldabs/ldind: r0 = big-endian value of `size` bytes at offset imm (+ src) into the input
 * (at DATA_BASE, length = r2 at entry). An offset outside the input traps OUT_OF_BOUNDS, as in
 * the interpreter, or, for socket and tc programs in objects (FnContext.packetFaultExits), ends
 * the program with r0 = 0 by returning, as the kernel does. (When a program context sets a separate 'packet' region the interpreter reads
 * that one; the JIT always reads the input.)
 */
export function loadPacket(c: FnContext, insn: Insn, size: 1 | 2 | 4, indirect: boolean): Expr {
  const { w } = c;
  const offset = indirect ? w.bin64('add', c.get(insn.src), c.k64(insn.imm64)) : c.k64(insn.imm64);
  const len = (): Expr => w.globalGet(INPUT_LEN_GLOBAL, i64);
  // Out of range when off > len or len - off < size (unsigned, so a negative off is huge).
  const outside = w.bin32(
    'or',
    w.cmp64('gt_u', c.tmpA(), len()),
    w.cmp64('lt_u', w.bin64('sub', len(), c.tmpA()), c.k64(BigInt(size))),
  );
  const ptr = w.wrap(c.tmpA());
  let value: Expr;
  if (size === 1) value = w.load32('load8_u', DATA_BASE, ptr);
  else {
    // Load once into a temp, then swap (the swap reads its operand twice).
    const raw = w.localSet(Local.ADDR, w.load32(size === 2 ? 'load16_u' : 'load', DATA_BASE, ptr));
    const swap = size === 2 ? bswap16(c, () => c.addr()) : bswap32(c, () => c.addr());
    value = w.block(null, [raw, swap], i32);
  }
  return w.block(null, [
    w.localSet(Local.TMP_A, offset),
    w.if(
      outside,
      c.packetFaultExits ? w.return(c.k64(0n)) : c.trap(TrapKind.OUT_OF_BOUNDS, insn.pc),
    ),
    c.set32(0, value),
  ]);
}
