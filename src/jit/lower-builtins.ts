// Lowering of the loader's built-ins (`call` src=2, imm = BUILTINS id from src/elf/reloc.ts):
// memset -> memory.fill, memcpy/memmove -> memory.copy (memmove semantics serve both), memcmp ->
// a call to a small internal compare function. Results as C returns them: dst for the first
// three, -1/0/1 for memcmp. r1-r5 keep their values, as after a helper call.
//
// Bounds: like every JIT access, Wasm checks ranges against the whole memory (fill/copy trap at
// the marked call; memcmp checks both ranges up front so its loop never traps outside a marked
// expression). A length that does not fit 32 bits traps OUT_OF_BOUNDS, as in the interpreter.

import { CompileError } from '../errors.js';
import type { Insn } from '../isa/insn.js';
import { WASM_PAGE } from '../runtime/layout.js';
import { TrapKind } from './abi.js';
import { type Expr, type WasmModule, WasmTypes } from './binaryen.js';
import type { FnContext } from './context.js';

const { i32, i64 } = WasmTypes;

/** BUILTINS ids. */
const MEMSET = 1;
const MEMCPY = 2;
const MEMMOVE = 3;
const MEMCMP = 4;

/** Name of the internal compare function (added when a program uses memcmp). */
export const MEMCMP_FN = 'memcmp';

export function isBuiltin(id: number): boolean {
  return id >= MEMSET && id <= MEMCMP;
}

export function lowerBuiltin(c: FnContext, insn: Insn): Expr {
  const { w } = c;
  const id = insn.imm;
  if (!isBuiltin(id)) {
    throw new CompileError('UNSUPPORTED', `kfunc calls (call runtime ${id}) are not supported`, {
      insn: insn.pc,
    });
  }
  // r3 must fit 32 bits; the length is then its low half.
  const checkLen = w.if(
    w.cmp64('gt_u', c.get(3), c.k64(0xffff_ffffn)),
    c.trap(TrapKind.OUT_OF_BOUNDS, insn.pc),
  );
  const n = (): Expr => c.lo(3);
  switch (id) {
    case MEMSET:
      return w.block(null, [
        checkLen,
        c.mark(w.memoryFill(c.lo(1), c.lo(2), n()), insn.pc),
        c.set(0, c.get(1)),
      ]);
    case MEMCPY:
    case MEMMOVE:
      return w.block(null, [
        checkLen,
        c.mark(w.memoryCopy(c.lo(1), c.lo(2), n()), insn.pc),
        c.set(0, c.get(1)),
      ]);
    default: {
      // Both ranges inside the memory: a + n <= size and b + n <= size, computed in i64.
      const bytes = w.bin64('mul', w.extendU(w.memorySize()), c.k64(BigInt(WASM_PAGE)));
      const past = (r: number): Expr =>
        w.cmp64('gt_u', w.bin64('add', w.extendU(c.lo(r)), w.extendU(n())), bytes);
      return w.block(null, [
        checkLen,
        w.if(w.bin32('or', past(1), past(2)), c.trap(TrapKind.OUT_OF_BOUNDS, insn.pc)),
        c.set(0, w.call(MEMCMP_FN, [c.lo(1), c.lo(2), n()], i64)),
      ]);
    }
  }
}

/** Does the program call memcmp (so the module needs MEMCMP_FN)? */
export function usesMemcmp(insns: readonly Insn[], kfunc: number): boolean {
  return insns.some((i) => i.code === kfunc && i.imm === MEMCMP);
}

/**
 * memcmp(a i32, b i32, n i32) -> i64: -1, 0 or 1 by the first differing byte (unsigned).
 * Locals 3 and 4 hold the two bytes.
 */
export function addMemcmpFunction(w: WasmModule): void {
  const A = 0;
  const B = 1;
  const N = 2;
  const X = 3;
  const Y = 4;
  const get = (i: number): Expr => w.localGet(i, i32);
  const inc = (i: number, by: number): Expr =>
    w.localSet(i, w.bin32('add', get(i), w.i32Const(by)));
  const body = w.block(
    null,
    [
      w.block('done', [
        w.loop(
          'next',
          w.block(null, [
            w.brIf('done', w.eqz32(get(N))),
            w.localSet(X, w.load32('load8_u', 0, get(A))),
            w.localSet(Y, w.load32('load8_u', 0, get(B))),
            w.if(
              w.cmp32('ne', get(X), get(Y)),
              w.return(w.select(w.cmp32('lt_u', get(X), get(Y)), w.i64Const(-1n), w.i64Const(1n))),
            ),
            inc(A, 1),
            inc(B, 1),
            inc(N, -1),
            w.br('next'),
          ]),
        ),
      ]),
      w.i64Const(0n),
    ],
    i64,
  );
  w.addFunction(MEMCMP_FN, w.signature([i32, i32, i32]), i64, [i32, i32], body);
}
