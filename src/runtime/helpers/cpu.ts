// Where the program runs: bpf_get_smp_processor_id reads the virtual CPU the per-CPU maps use
// (CPU_SLOT, set with setCurrentCpu), so a program's per-CPU slot and its idea of "this CPU"
// always agree; bpf_get_numa_node_id is the HostEnv's node.

import { currentCpu } from '../maps/cpu.js';
import type { Host } from './host.js';
import type { HelperImpl } from './types.js';

export function cpuHelpers(host: Host): HelperImpl[] {
  return [
    { name: 'get_smp_processor_id', fn: (call) => currentCpu(call.memory) },
    { name: 'get_numa_node_id', fn: () => host.numaNode },
  ];
}
