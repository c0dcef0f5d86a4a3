// The JIT as an Engine: prepare = compile (cached) + instantiate against the VM's memory with the
// helper imports; the Executable calls the exported `run` and turns Wasm traps into RunErrors.
//
// The Vm lets the budget change between runs without a new prepare: the executable passes it to
// the module's set_budget only when it changed, then calls run(r1, r2), which returns r0's low half as i32: a JS
// call returning i32 costs ~3.4 ns against ~12 ns for an i64 (BigInt). `run` reads the full r0
// from R0_SLOT only when the caller wants the bigint.
//
// Callbacks (bpf_loop): HelperCall.callback calls the module's exported subprogram with the
// registers the calling code left in the callback slots (see abi.ts), enforcing MAX_FRAMES and
// turning a Wasm trap inside the callee into its RunError there, where the JIT frames that
// locate it are still on the stack (the helper registry would report HELPER_FAILED instead).

import { RunError } from '../errors.js';
import { Code } from '../isa/opcodes.js';
import type { Program } from '../isa/insn.js';
import type { Engine, ExecEnv, Executable } from '../runtime/engine.js';
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
import {
  EXPORT_RUN,
  EXPORT_SET_BUDGET,
  IMPORT_ENV,
  IMPORT_HELPER,
  IMPORT_MEMORY,
  IMPORT_WASM_HELPERS,
  subprogramPcOf,
  wasmHelperName,
} from './abi.js';
import { type CompileOptions, type CompiledModule, compile } from './compile.js';
import { translateTrap } from './traps.js';

/** Options the JIT engine compiles with (tests turn validation on). */
export const jitOptions: { optimize: boolean; validate: boolean } = {
  optimize: false,
  validate: false,
};

/** Ids of `call imm` helpers that have a Wasm implementation in `env`. */
export function wasmHelperIds(program: Program, env: ExecEnv): number[] {
  const ids = new Set<number>();
  for (const insn of program.insns) {
    if (insn.code !== Code.CALL_HELPER) continue;
    const id = insn.imm >>> 0;
    if (env.helpers.get(id)?.wasm !== undefined) ids.add(id);
  }
  return [...ids];
}

export const jitEngine: Engine = {
  name: 'jit',
  prepare(program: Program, env: ExecEnv): Executable {
    const opts: CompileOptions = { ...jitOptions, wasmHelpers: wasmHelperIds(program, env) };
    return new JitExecutable(compile(program, opts), env);
  },
};

/** An exported subprogram: (r0, r1, ..., r10) -> r0 (signed, as Wasm returns an i64). */
type SubprogramFn = (...regs: bigint[]) => bigint;

/** r10 of the deepest frame that may still make a call (frame MAX_FRAMES - 2). */
const LAST_CALLER_FP = BigInt(frameTop(MAX_FRAMES - 1));
const FRAME = BigInt(FRAME_SIZE);

export class JitExecutable implements Executable {
  /** The JIT does not count instructions (the budget charges are an upper bound). */
  readonly executed = -1;
  private readonly entry: (r1: number, r2: number) => number;
  private readonly setBudget: (lo: number, hi: number) => void;
  private budgetSet = -1;
  // A DataView of our own over the memory: VmMemory's `view` getter compares buffers through
  // WebAssembly.Memory's C++ accessor, which costs more than the whole Wasm call.
  private buf: ArrayBuffer;
  private dv: DataView;
  private readonly call: HelperCall;
  /** Exported subprograms by entry slot index (empty unless the program has callbacks). */
  private readonly subprograms = new Map<number, SubprogramFn>();

  constructor(
    readonly compiled: CompiledModule,
    private readonly env: ExecEnv,
  ) {
    const { memory, helpers } = env;
    this.buf = memory.memory.buffer;
    this.dv = new DataView(this.buf);
    const call = new HelperCall(memory);
    this.call = call;
    // A JS helper: arguments are already in ARGS_SLOT; the result goes to R0_SLOT.
    const helper = (id: number, pc: number): void => {
      const r0 = helpers.invoke(id >>> 0, call, pc);
      this.view().setBigUint64(R0_SLOT, r0, true);
    };
    const wasmImports: Record<string, (...args: bigint[]) => bigint> = {};
    for (const id of compiled.wasmHelpers) {
      const fn = helpers.get(id)?.wasm;
      if (fn !== undefined) wasmImports[wasmHelperName(id)] = fn;
    }
    const instance = new WebAssembly.Instance(compiled.module, {
      [IMPORT_ENV]: { [IMPORT_MEMORY]: memory.memory, [IMPORT_HELPER]: helper },
      [IMPORT_WASM_HELPERS]: wasmImports,
    });
    this.entry = instance.exports[EXPORT_RUN] as (r1: number, r2: number) => number;
    this.setBudget = instance.exports[EXPORT_SET_BUDGET] as (lo: number, hi: number) => void;
    for (const [name, fn] of Object.entries(instance.exports)) {
      const entryPc = subprogramPcOf(name);
      if (entryPc !== undefined) this.subprograms.set(entryPc, fn as SubprogramFn);
    }
    call.callback = (fnPc, a1, a2, a3, a4, a5) => this.callback(fnPc, a1, a2, a3, a4, a5);
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
    const call = this.call;
    const pc = call.pc;
    const fn = this.subprograms.get(fnPc);
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
      throw translateTrap(e, this.env.memory, this.compiled.pcMap, this.env.budget);
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
    if (budget !== this.budgetSet) {
      const b = Math.min(Math.max(0, Math.floor(budget)), Number.MAX_SAFE_INTEGER);
      this.setBudget(b % 0x1_0000_0000, Math.floor(b / 0x1_0000_0000));
      this.budgetSet = budget;
    }
    try {
      return this.entry(r1, r2) >>> 0;
    } catch (e) {
      throw translateTrap(e, this.env.memory, this.compiled.pcMap, budget);
    }
  }

  run(r1: number, r2: number): bigint {
    this.runLow(r1, r2);
    return this.view().getBigUint64(R0_SLOT, true);
  }
}
