// Shared by the helpers*.test.ts files: a Vm on either engine with the standard helpers bound to
// a pinned HostEnv, running small assembly programs; and a runner that gives r0 or the trap.

import { BpfError } from '../../src/errors.js';
import '../../src/jit/index.js';
import { jitOptions } from '../../src/jit/index.js';
import { type HostEnv, registerStandardHelpers } from '../../src/runtime/helpers/index.js';
import type { EngineName } from '../../src/runtime/engine.js';
import { Vm } from '../../src/vm.js';

jitOptions.validate = true;

export const ENGINES: readonly EngineName[] = ['interp', 'jit'];

/** A host with every value pinned, so results are the same on every machine. */
export const HOST: HostEnv = {
  clock: () => 5_000_000_123n,
  hz: 250,
  pid: 4321,
  tgid: 1234,
  uid: 1000,
  gid: 100,
  comm: 'test-comm',
  task: 0xffff_8880_1234_5000n,
  numaNode: 3,
  seed: 42,
  printk: () => {},
};

export function makeVm(engine: EngineName, host: HostEnv = HOST): Vm {
  // Helper semantics at run time, including arguments the verifier would refuse: no verifier.
  const vm = new Vm({ engine, budget: 100_000_000, verify: false });
  registerStandardHelpers(vm.helpers, host);
  return vm;
}

export interface Outcome {
  readonly r0?: bigint;
  readonly trap?: { readonly code: string; readonly insn: number | undefined };
  readonly output: Uint8Array;
  readonly executed: number;
}

/** Load `asm` and run it on `input`; a BpfError becomes `trap`. */
export function exec(vm: Vm, asm: string, input: Uint8Array = new Uint8Array(0)): Outcome {
  try {
    vm.load(asm);
    const res = vm.run(input);
    return { r0: res.r0, output: res.output, executed: res.executed };
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
    return { trap: { code: e.code, insn: e.insn }, output: vm.memory.input(), executed: -1 };
  }
}

/** r0 of `asm` on `engine`, failing the test on a trap. */
export function r0Of(engine: EngineName, asm: string, input?: Uint8Array, host?: HostEnv): bigint {
  const out = exec(makeVm(engine, host), asm, input);
  if (out.r0 === undefined) throw new Error(`trapped: ${JSON.stringify(out.trap)}`);
  return out.r0;
}

/** r0 as a signed 64-bit value (helpers return -errno). */
export const signed = (v: bigint): bigint => BigInt.asIntN(64, v);

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
