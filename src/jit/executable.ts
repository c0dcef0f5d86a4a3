// Running code compiled to WebAssembly, whoever compiled it: the JIT (one module per program,
// engine.ts) or the AOT compiler (one module for all programs of an object, src/aot/). An
// executable wraps one program's exported `run`, the module's `set_budget` and, in programs with
// callbacks, the exported subprograms; it turns Wasm traps into RunErrors. No binaryen here: the
// light runtime (ebpf-wasm/runtime) uses it.
//
// The Vm lets the budget change between runs without a new prepare: the executable passes it to
// the module's set_budget only when it changed (a cell shared by every program of one instance,
// since they share the global), then calls run(r1, r2), which returns r0's low half as i32: a JS
// call returning i32 costs ~3.4 ns against ~12 ns for an i64 (BigInt). `run` reads the full r0
// from R0_SLOT only when the caller wants the bigint.
//
// Callbacks (bpf_loop): HelperCall.callback calls the module's exported subprogram with the
// registers the calling code left in the callback slots (see abi.ts), enforcing MAX_FRAMES and
// turning a Wasm trap inside the callee into its RunError there, where the Wasm frames that
// locate it are still on the stack (the helper registry would report HELPER_FAILED instead).

import { RunError } from '../errors.js';
import type { ExecEnv, Executable } from '../runtime/engine.js';
import { HelperCall } from '../runtime/helpers.js';
import {
  CALLBACK_FP_SLOT,
  CALLBACK_REGS_SLOT,
  FRAME_SIZE,
  MAX_FRAMES,
  R0_SLOT,
  TRAP_KIND_SLOT,
  frameTop,
} from '../runtime/layout.js';

/** An exported subprogram: (r0, r1, ..., r10) -> r0 (signed, as Wasm returns an i64). */
export type SubprogramFn = (...regs: bigint[]) => bigint;

/** Turns whatever a run threw into what the caller should see (see traps.ts). */
export type TrapTranslator = (e: unknown, budget: number) => unknown;

/** The budget last passed to an instance's set_budget (-1: none yet). */
export interface BudgetCell {
  value: number;
}

/** What one module instance offers every program in it. */
export interface WasmInstance {
  readonly call: HelperCall;
  readonly setBudget: (lo: number, hi: number) => void;
  readonly budget: BudgetCell;
}

/** One program of an instance. */
export interface WasmProgramEntry {
  readonly run: (r1: number, r2: number) => number;
  /** Exported subprograms by entry slot (empty unless the program has callbacks). */
  readonly subprograms: ReadonlyMap<number, SubprogramFn>;
  readonly translate: TrapTranslator;
}

/**
 * The env.helper import over `env`'s registry: arguments are already in ARGS_SLOT; the result
 * goes to R0_SLOT. Returns it with the HelperCall its helpers get.
 */
export function helperImport(env: ExecEnv): {
  call: HelperCall;
  helper: (id: number, pc: number) => void;
} {
  const { memory, helpers } = env;
  const call = new HelperCall(memory);
  let buf = memory.memory.buffer;
  let dv = new DataView(buf);
  const helper = (id: number, pc: number): void => {
    const r0 = helpers.invoke(id >>> 0, call, pc);
    if (buf.byteLength === 0) {
      buf = memory.memory.buffer;
      dv = new DataView(buf);
    }
    dv.setBigUint64(R0_SLOT, r0, true);
  };
  return { call, helper };
}

/** r10 of the deepest frame that may still make a call (frame MAX_FRAMES - 2). */
const LAST_CALLER_FP = BigInt(frameTop(MAX_FRAMES - 1));
const FRAME = BigInt(FRAME_SIZE);

export class WasmExecutable implements Executable {
  /** Compiled code does not count instructions (the budget charges are an upper bound). */
  readonly executed = -1;
  // A DataView of our own over the memory: VmMemory's `view` getter compares buffers through
  // WebAssembly.Memory's C++ accessor, which costs more than the whole Wasm call.
  private buf: ArrayBuffer;
  private dv: DataView;
  private readonly onCallback: (
    fnPc: number,
    a1: bigint,
    a2: bigint,
    a3: bigint,
    a4: bigint,
    a5: bigint,
  ) => bigint;

  constructor(
    private readonly instance: WasmInstance,
    private readonly entry: WasmProgramEntry,
    private readonly env: ExecEnv,
  ) {
    this.buf = env.memory.memory.buffer;
    this.dv = new DataView(this.buf);
    this.onCallback = (fnPc, a1, a2, a3, a4, a5) => this.callback(fnPc, a1, a2, a3, a4, a5);
    this.view().setInt32(TRAP_KIND_SLOT, 0, true);
  }

  /**
   * HelperCall.callback: run subprogram `fnPc` in the frame above the helper's caller, with the
   * caller's r0 and r6-r9 (as the interpreter does) and r1-r5 = args; returns its r0.
   */
  private callback(
    fnPc: number,
    a1: bigint,
    a2: bigint,
    a3: bigint,
    a4: bigint,
    a5: bigint,
  ): bigint {
    const call = this.instance.call;
    const pc = call.pc;
    const fn = this.entry.subprograms.get(fnPc);
    if (fn === undefined) {
      throw new RunError('BAD_CALLBACK', `callback ${fnPc} is not a subprogram entry`, {
        insn: pc,
      });
    }
    const dv = this.view();
    const fp = dv.getBigUint64(CALLBACK_FP_SLOT, true);
    if (fp >= LAST_CALLER_FP) {
      const depth = Number((fp - BigInt(frameTop(0))) / FRAME);
      throw new RunError(
        'CALL_DEPTH',
        `callback would need frame ${depth + 2} of at most ${MAX_FRAMES}`,
        { insn: pc },
      );
    }
    const r0 = dv.getBigUint64(CALLBACK_REGS_SLOT, true);
    const r6 = dv.getBigUint64(CALLBACK_REGS_SLOT + 8, true);
    const r7 = dv.getBigUint64(CALLBACK_REGS_SLOT + 16, true);
    const r8 = dv.getBigUint64(CALLBACK_REGS_SLOT + 24, true);
    const r9 = dv.getBigUint64(CALLBACK_REGS_SLOT + 32, true);
    try {
      return BigInt.asUintN(64, fn(r0, a1, a2, a3, a4, a5, r6, r7, r8, r9, fp + FRAME));
    } catch (e) {
      throw this.entry.translate(e, this.env.budget);
    } finally {
      // The callee's own helper calls overwrote the slots: give the next callback the caller's.
      const v = this.view();
      v.setBigUint64(CALLBACK_FP_SLOT, fp, true);
      v.setBigUint64(CALLBACK_REGS_SLOT, r0, true);
      v.setBigUint64(CALLBACK_REGS_SLOT + 8, r6, true);
      v.setBigUint64(CALLBACK_REGS_SLOT + 16, r7, true);
      v.setBigUint64(CALLBACK_REGS_SLOT + 24, r8, true);
      v.setBigUint64(CALLBACK_REGS_SLOT + 32, r9, true);
      // The HelperCall is shared: give back the pc of the helper call still running.
      call.pc = pc;
    }
  }

  /** The DataView, renewed when a memory.grow detached the old buffer. */
  private view(): DataView {
    if (this.buf.byteLength === 0) {
      this.buf = this.env.memory.memory.buffer;
      this.dv = new DataView(this.buf);
    }
    return this.dv;
  }

  /** Run and return r0's low 32 bits, unsigned (no BigInt on this path). */
  runLow(r1: number, r2: number): number {
    const budget = this.env.budget;
    const { instance } = this;
    if (budget !== instance.budget.value) {
      const b = Math.min(Math.max(0, Math.floor(budget)), Number.MAX_SAFE_INTEGER);
      instance.setBudget(b % 0x1_0000_0000, Math.floor(b / 0x1_0000_0000));
      instance.budget.value = budget;
    }
    // The instance's HelperCall serves every program in it: callbacks go to this one's.
    instance.call.callback = this.onCallback;
    try {
      return this.entry.run(r1, r2) >>> 0;
    } catch (e) {
      throw this.entry.translate(e, budget);
    }
  }

  run(r1: number, r2: number): bigint {
    this.runLow(r1, r2);
    return this.view().getBigUint64(R0_SLOT, true);
  }
}
