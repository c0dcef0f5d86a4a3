// Runners: one program of an object run again and again on packets, for hot loops (userspace
// packet filters, benchmarks). `obj.runner(name, { engine })` (ObjectRuntime, runtime.ts) returns
// a ProgramRunner; `runner.run(packet)` lays the packet out exactly as
// `obj.run(name, { packet })` does (the same memory, context fields and regions), runs the
// program on the object's run loop (tail calls followed, a clean stack for each program, the
// same RunErrors as run()), and returns the retval: r0's low 32 bits, unsigned, as the kernel's
// BPF_PROG_TEST_RUN reports it. Nothing is allocated per run and no BigInt is made on engines
// with a 32-bit path (the JIT, AOT code).
//
// What a caller may want after a run is read from the runner, on demand:
//   r0             the full r0 (bigint, unsigned 64-bit)
//   packetLength   bytes of the output packet
//   packetView()   the output packet where it lies in VM memory (a view: no copy)
//   packet()       a copy of it
//   program, tailCalls, executed: as ObjectRunResult has them
// The output packet is what run() returns as `packet` (xdp: data_meta..data_end; tc:
// data..data_end; socket filters: a zeroed 14-byte L2 header, then data..data_end; raw memory:
// the input region). All of these describe the object's last run: they are valid until the next
// run of any program of the object (this runner's or another's, or run()), which reuses the
// memory. A runner works on every engine its object supports ('interp' and 'jit' for VmObject,
// 'aot' for AotObject), for program types that take a packet or raw memory: xdp, sched_cls and
// sched_act (tc), socket_filter, unspec.
//
// Registering a helper on the object (obj.registerHelper) prepares the program again on the
// runner's next run, as it does for run().

import type { ContextState, PacketEntry } from '../context/index.js';
import type { VmMemory } from '../memory.js';
import type { ObjectEngine } from './runtime.js';

export interface RunnerOptions {
  /** Engine to run on (default: the object's). */
  readonly engine?: ObjectEngine | undefined;
}

/** What a runner drives: handed over by ObjectRuntime.runner (runtime.ts). */
export interface RunnerBinding {
  readonly name: string;
  readonly engine: ObjectEngine;
  readonly memory: VmMemory;
  readonly state: ContextState;
  readonly entry: PacketEntry;
  readonly capacity: number;
  /** Run the program on the context laid out with r2 = `r2`, following tail calls: retval. */
  readonly execute: (r2: number) => number;
  readonly r0: () => bigint;
  readonly program: () => string;
  readonly tailCalls: () => number;
  readonly executed: () => number;
}

export class ProgramRunner {
  /** The program it runs (tail calls may end the run in another: see `program`). */
  readonly name: string;
  readonly engine: ObjectEngine;

  constructor(private readonly binding: RunnerBinding) {
    this.name = binding.name;
    this.engine = binding.engine;
  }

  /**
   * Run the program on `packet`; returns the retval (r0's low 32 bits, unsigned).
   * @throws RunError as run() does: a trap (with the instruction index), BUDGET_EXHAUSTED,
   * BAD_INPUT or INPUT_TOO_LARGE for a packet that does not fit the context.
   */
  run(packet: Uint8Array): number {
    const b = this.binding;
    return b.execute(b.entry.enter(b.memory, b.state, packet, b.capacity));
  }

  /** r0 of the last run, unsigned 64-bit. */
  get r0(): bigint {
    return this.binding.r0();
  }

  /** Bytes of the output packet of the last run. */
  get packetLength(): number {
    const { entry, memory } = this.binding;
    return Math.max(0, entry.outputEnd(memory) - entry.outputStart(memory));
  }

  /** The output packet of the last run, as a view of VM memory: valid until the next run. */
  packetView(): Uint8Array {
    const { entry, memory } = this.binding;
    entry.expose(memory);
    const start = entry.outputStart(memory);
    return memory.bytes.subarray(start, Math.max(start, entry.outputEnd(memory)));
  }

  /** A copy of the output packet of the last run. */
  packet(): Uint8Array {
    return this.packetView().slice();
  }

  /** Name of the program that ended the last run (differs from `name` after tail calls). */
  get program(): string {
    return this.binding.program();
  }

  /** Tail calls the last run took. */
  get tailCalls(): number {
    return this.binding.tailCalls();
  }

  /** Instructions the last run executed over all its programs (-1 when compiled code ran). */
  get executed(): number {
    return this.binding.executed();
  }
}
