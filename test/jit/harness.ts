// Test harness for the JIT: run the same program on the JIT and on the interpreter (two Vms with
// the same helpers) and report both outcomes (r0 or the trap's code and index, and the input
// region afterwards), so tests can demand that they agree. Modules are validated by binaryen.

import { BpfError } from '../../src/errors.js';
import type { Program } from '../../src/isa/index.js';
import { jitOptions } from '../../src/jit/index.js';
import type { HelperFn } from '../../src/runtime/helpers.js';
import { Vm } from '../../src/vm.js';

jitOptions.validate = true;
// JIT_OPTIMIZE=1 runs the same tests on binaryen-optimized code.
jitOptions.optimize = process.env.JIT_OPTIMIZE === '1';

export interface Outcome {
  readonly r0?: bigint;
  readonly trap?: { readonly code: string; readonly insn: number | undefined };
  readonly output: Uint8Array;
}

// Programs are built the same way as in the interpreter's tests.
export { build, type Spec } from '../interp/harness.js';

export interface RunSetup {
  readonly input?: Uint8Array;
  readonly budget?: number;
  readonly helpers?: readonly (readonly [number, HelperFn])[];
}

export function runOn(
  engine: 'jit' | 'interp',
  code: string | Program,
  setup: RunSetup = {},
): Outcome {
  // Engine semantics, traps included: the verifier would refuse the trapping programs.
  const vm = new Vm({ engine, budget: setup.budget ?? 1_000_000, verify: false });
  for (const [id, fn] of setup.helpers ?? []) vm.registerHelper(id, fn);
  try {
    vm.load(code);
    const res = vm.run(setup.input ?? new Uint8Array(0));
    return { r0: res.r0, output: res.output };
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
    return { trap: { code: e.code, insn: e.insn }, output: vm.memory.input() };
  }
}

/** Both engines' outcomes. */
export function both(
  code: string | Program,
  setup: RunSetup = {},
): { jit: Outcome; interp: Outcome } {
  return { jit: runOn('jit', code, setup), interp: runOn('interp', code, setup) };
}
