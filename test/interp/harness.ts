// Test harness for the interpreter: build a program from (code, fields) pairs, run it directly on
// the interpreter engine with its own memory and helper registry. No Vm, no assembler, so these
// tests depend only on the ISA toolkit and the runtime.

import {
  type CodeName,
  Code,
  type InsnFields,
  type Insn,
  type Program,
  makeInsn,
  programOf,
  slotsOf,
} from '../../src/isa/index.js';
import { interpEngine } from '../../src/interp/index.js';
import type { TraceSink } from '../../src/runtime/engine.js';
import { HelperRegistry } from '../../src/runtime/helpers.js';
import { VmMemory } from '../../src/runtime/memory.js';

export type Spec = readonly [CodeName, InsnFields?];

/** Instructions with consecutive slot indexes (lddw takes two). */
export function build(specs: readonly Spec[]): Program {
  const insns: Insn[] = [];
  let pc = 0;
  for (const [name, fields] of specs) {
    const insn = makeInsn(Code[name], pc, fields);
    insns.push(insn);
    pc += slotsOf(insn);
  }
  return programOf(insns);
}

export interface RunOpts {
  readonly input?: Uint8Array;
  readonly budget?: number;
  readonly trace?: TraceSink;
  readonly helpers?: HelperRegistry;
}

export interface Outcome {
  readonly r0: bigint;
  readonly output: Uint8Array;
  readonly executed: number;
  readonly memory: VmMemory;
}

/** Run on the interpreter: r1 = input address, r2 = input length. */
export function run(program: Program | readonly Spec[], opts: RunOpts = {}): Outcome {
  const prog = Array.isArray(program) ? build(program as readonly Spec[]) : (program as Program);
  const memory = new VmMemory();
  const helpers = opts.helpers ?? new HelperRegistry();
  const exe = interpEngine.prepare(prog, {
    memory,
    helpers,
    budget: opts.budget ?? 1_000_000,
    trace: opts.trace,
  });
  const input = opts.input ?? new Uint8Array(0);
  const addr = memory.setInput(input);
  memory.clearStack();
  const r0 = exe.run(addr, input.length);
  return { r0, output: memory.input(), executed: exe.executed, memory };
}

/** Run expecting a trap; returns the thrown error. */
export function trap(program: Program | readonly Spec[], opts: RunOpts = {}): unknown {
  try {
    run(program, opts);
  } catch (e) {
    return e;
  }
  throw new Error('expected the run to trap');
}

/** lddw of a 64-bit constant into register `dst`. */
export const ld = (dst: number, v: bigint): Spec => ['LDDW', { dst, imm64: BigInt.asUintN(64, v) }];

export const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
export const INT64_MIN = 1n << 63n;
