// The engines the benchmark measures, as a list: each turns a benchmark program and its input
// into a runner that runs the program once and returns r0. bench/run.ts measures every entry in
// alternating rounds and gives each a column; adding an engine is adding an entry here. The
// interpreter and the JIT run through the Vm; 'aot' runs a module compileAot wrote, loaded by
// the light runtime (AotObject).
//
// The input is placed in the engine's memory once, in `prepare`, and every run works on it in
// place: the kernels are idempotent on their input (bench/programs.ts), and copying 2 MiB in and
// out on each run (as Vm.run does, for its RunResult) would measure the copy, not the engine.
// Likewise the stack is not cleared between runs; the kernels initialise what they read.

import { compileAot, programObject } from '../src/aot/compile.js';
import { AotObject } from '../src/aot/object.js';
import { interpEngine } from '../src/interp/index.js';
import { jitEngine } from '../src/jit/index.js';
import type { Engine, ExecEnv } from '../src/runtime/engine.js';
import { DEFAULT_DATA_CAPACITY } from '../src/runtime/layout.js';
import { GEN_HELPERS } from '../src/testing/gen.js';
import { Vm } from '../src/vm.js';
import type { BenchProgram } from './programs.js';

export interface BenchEngine {
  readonly name: string;
  /**
   * Load `p`, place `input` in memory, and return a function that runs `p` on it once and
   * returns r0 (unsigned). Each call must do the same work on the same memory.
   */
  prepare(p: BenchProgram, input: Uint8Array): () => bigint;
}

/**
 * Instructions a run may execute. The compute kernels loop far beyond what a path-walking
 * verifier unrolls (as in Linux), so they run with verification off: the benchmark measures the
 * engines, not the verifier.
 */
export const BENCH_BUDGET = 1_000_000_000;

/** A Vm sized for `input`: assembled, helpers registered, verification off. */
export function benchVm(engine: string, p: BenchProgram, input: Uint8Array): Vm {
  const vm = new Vm({
    engine: engine as 'interp' | 'jit',
    budget: BENCH_BUDGET,
    verify: false,
    dataCapacity: Math.max(DEFAULT_DATA_CAPACITY, input.length),
  });
  for (const h of GEN_HELPERS) vm.registerHelper(h.id, h.fn, h.name);
  vm.load(p.source);
  return vm;
}

/**
 * An engine of the Vm's registry, run through its Executable: the Vm assembles the program and
 * owns the memory and helpers; the runner is Vm.run's call without the copies around it.
 */
function vmEngine(engine: Engine): BenchEngine {
  return {
    name: engine.name,
    prepare(p, input) {
      const vm = benchVm(engine.name, p, input);
      const program = vm.program;
      if (program === undefined) throw new Error(`${p.name}: not loaded`);
      const env: ExecEnv = { memory: vm.memory, helpers: vm.helpers, budget: BENCH_BUDGET };
      const exe = engine.prepare(program, env);
      const addr = vm.memory.setInput(input);
      const len = input.length;
      vm.memory.clearStack();
      return () => exe.run(addr, len);
    },
  };
}

/**
 * Ahead of time: the kernel compiled by compileAot into a standalone module (as
 * `ebpf-wasm compile -o` writes it) and run by the light runtime's AotObject, through the same
 * kind of executable as the JIT's.
 */
const aotEngine: BenchEngine = {
  name: 'aot',
  prepare(p, input) {
    const vm = benchVm('interp', p, input);
    const program = vm.program;
    if (program === undefined) throw new Error(`${p.name}: not loaded`);
    const aot = compileAot(programObject(program, { name: p.name }), {
      verify: false,
      dataCapacity: Math.max(DEFAULT_DATA_CAPACITY, input.length),
    });
    const obj = new AotObject(new WebAssembly.Module(aot.wasm), { budget: BENCH_BUDGET });
    for (const h of GEN_HELPERS) obj.registerHelper(h.id, h.fn, h.name);
    const exe = obj.prepare(p.name);
    const addr = obj.memory.setInput(input);
    const len = input.length;
    obj.memory.clearStack();
    return () => exe.run(addr, len);
  },
};

export const BENCH_ENGINES: readonly BenchEngine[] = [
  vmEngine(interpEngine),
  vmEngine(jitEngine),
  aotEngine,
];

/** Slots of `p` and the instructions one run executes (through Vm.run in the interpreter). */
export function profile(p: BenchProgram, input: Uint8Array): { slots: number; executed: number } {
  const vm = benchVm('interp', p, input);
  const res = vm.run(input);
  if (res.r0 !== p.reference(input)) {
    throw new Error(`${p.name}: Vm.run gives 0x${res.r0.toString(16)}, not the reference`);
  }
  return { slots: vm.program?.slots ?? 0, executed: res.executed };
}
