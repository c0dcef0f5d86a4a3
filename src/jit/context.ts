// What the instruction lowering needs from the function being built: register locals, temps,
// trap emission, the names of callees and imports, and the pc marks that become the source map
// (so a Wasm trap can be traced back to the eBPF instruction).

import type { Insn } from '../isa/insn.js';
import { TRAP_KIND_SLOT, TRAP_PC_SLOT } from '../runtime/layout.js';
import { Local, type TrapKind } from './abi.js';
import { type Expr, type WasmModule, WasmTypes } from './binaryen.js';

const { i32, i64 } = WasmTypes;

/** Name of the internal function that records a trap and executes `unreachable`. */
export const TRAP_FN = 'trap';
export const BUDGET_GLOBAL = 'budget';
/** The budget each run starts with (set by the host through set_budget). */
export const BUDGET_INIT_GLOBAL = 'budget_init';
export const INPUT_LEN_GLOBAL = 'inlen';

export class FnContext {
  /** Expressions to tag with an eBPF pc once the function exists (parallel arrays). */
  readonly markedExprs: Expr[] = [];
  readonly markedPcs: number[] = [];

  constructor(
    readonly w: WasmModule,
    /**
     * Helper ids with a Wasm implementation (called directly, no JS), and the name of the
     * function to call: the JIT's import, or the function linked into an AOT module.
     */
    readonly wasmHelpers: ReadonlyMap<number, string>,
    /** Function name of the subprogram a `call local` instruction enters. */
    readonly calleeOf: (insn: Insn) => string,
    /** The program has callbacks: JS helper calls hand over registers and budget (abi.ts). */
    readonly callbacks = false,
    /**
     * A packet load fault returns r0 = 0 from this function, ending the program: only in the
     * main function (kernel programs with ld_abs have no bpf-to-bpf calls), else it traps.
     */
    readonly packetFaultExits = false,
  ) {}

  /** Remember that `expr` belongs to eBPF instruction `pc` (it may trap). */
  mark(expr: Expr, pc: number): Expr {
    this.markedExprs.push(expr);
    this.markedPcs.push(pc);
    return expr;
  }

  get(r: number): Expr {
    return this.w.localGet(r, i64);
  }
  set(r: number, value: Expr): Expr {
    return this.w.localSet(r, value);
  }
  /** Low 32 bits of a register. */
  lo(r: number): Expr {
    return this.w.wrap(this.w.localGet(r, i64));
  }
  /** Write a 32-bit result, zero-extended. */
  set32(r: number, value32: Expr): Expr {
    return this.w.localSet(r, this.w.extendU(value32));
  }
  k64(v: bigint): Expr {
    return this.w.i64Const(v);
  }
  k32(v: number): Expr {
    return this.w.i32Const(v);
  }
  tmpA(): Expr {
    return this.w.localGet(Local.TMP_A, i64);
  }
  tmpB(): Expr {
    return this.w.localGet(Local.TMP_B, i64);
  }
  addr(): Expr {
    return this.w.localGet(Local.ADDR, i32);
  }

  /** Record (kind, pc) and trap: a call to the trap function, which ends in `unreachable`. */
  trap(kind: TrapKind, pc: number): Expr {
    return this.w.block(
      null,
      [this.w.call(TRAP_FN, [this.k32(kind), this.k32(pc)], WasmTypes.none), this.w.unreachable()],
      WasmTypes.auto,
    );
  }
}

/** Body of the trap function: (kind i32, pc i32) -> never. */
export function trapFunctionBody(w: WasmModule): Expr {
  return w.block(
    null,
    [
      w.store32(TRAP_PC_SLOT, w.i32Const(0), w.localGet(1, i32)),
      w.store32(TRAP_KIND_SLOT, w.i32Const(0), w.localGet(0, i32)),
      w.unreachable(),
    ],
    WasmTypes.auto,
  );
}
