// The current virtual CPU. It lives in linear memory (CPU_SLOT) so per-CPU maps in Wasm, the
// interpreter, the JIT and bpf_get_smp_processor_id all read the same value.

import { RunError } from '../../errors.js';
import { CPU_SLOT } from '../layout.js';
import type { VmMemory } from '../memory.js';

export function currentCpu(memory: VmMemory): number {
  return memory.view.getUint32(CPU_SLOT, true);
}

/** Select the CPU later program runs and per-CPU map accesses use (0 <= cpu < cpus). */
export function setCurrentCpu(memory: VmMemory, cpu: number, cpus: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= cpus) {
    throw new RunError('BAD_INPUT', `cpu ${cpu} is outside 0..${cpus - 1}`);
  }
  memory.view.setUint32(CPU_SLOT, cpu, true);
}
