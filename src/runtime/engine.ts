// The contract between the Vm (src/vm.ts) and an execution engine (interpreter or JIT).
// Both engines run a decoded Program against the same VmMemory and HelperRegistry, so their
// results (r0, memory, traps) can be compared bit for bit.

import { BpfError } from '../errors.js';
import type { Program } from '../isa/insn.js';
import type { HelperRegistry } from './helpers.js';
import type { VmMemory } from './memory.js';

export type EngineName = 'interp' | 'jit';

/** One executed instruction, for `--trace`: the registers it changed (index -> new value). */
export interface TraceStep {
  readonly pc: number;
  readonly depth: number;
  readonly changed: ReadonlyMap<number, bigint>;
}
export type TraceSink = (step: TraceStep) => void;

export interface ExecEnv {
  readonly memory: VmMemory;
  readonly helpers: HelperRegistry;
  /** Instructions a single run may execute before it stops with BUDGET_EXHAUSTED. */
  readonly budget: number;
  /** Interpreter only: called after every executed instruction. */
  readonly trace?: TraceSink | undefined;
}

export interface Executable {
  /**
   * Run from the entry with r1 = `r1`, r2 = `r2`, r10 = top of frame 0.
   * Returns r0 as an unsigned 64-bit value; throws RunError on a trap.
   */
  run(r1: number, r2: number): bigint;
  /**
   * Optional fast path: the same run, returning only r0's low 32 bits as an unsigned number
   * (no BigInt). The JIT implements it.
   */
  runLow?(r1: number, r2: number): number;
  /** Instructions executed by the last run (interpreter exact; JIT may report -1). */
  readonly executed: number;
}

/** How a program is prepared, beyond its bytecode. */
export interface PrepareOptions {
  /**
   * A legacy packet load (ld_abs/ld_ind) outside the packet ends the program with r0 = 0, as
   * the kernel does for socket filters and tc programs, instead of trapping OUT_OF_BOUNDS (the
   * default, for raw programs). Compiled code then returns instead of raising a Wasm trap.
   */
  readonly packetFaultExits?: boolean | undefined;
}

export interface Engine {
  readonly name: EngineName;
  /** Make a program runnable in `env` (the JIT translates and instantiates here). */
  prepare(program: Program, env: ExecEnv, opts?: PrepareOptions): Executable;
}

/** An instruction budget as ExecEnv takes it: a non-negative safe integer. */
export function checkBudget(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new BpfError('load', 'BAD_INPUT', `budget must be a non-negative integer, not ${value}`);
  }
  return value;
}
