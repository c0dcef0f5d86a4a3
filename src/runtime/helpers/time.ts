// Clocks: bpf_ktime_get_ns (CLOCK_MONOTONIC), bpf_ktime_get_boot_ns (CLOCK_BOOTTIME, which also
// counts time suspended), bpf_ktime_get_coarse_ns (CLOCK_MONOTONIC_COARSE: the monotonic clock
// as of the last timer tick) and bpf_jiffies64 (timer ticks since boot). All four derive from
// the one HostEnv clock so they stay consistent with each other, as they are in the kernel.

import type { Host } from './host.js';
import type { HelperImpl } from './types.js';

/**
 * The kernel starts jiffies at INITIAL_JIFFIES = (unsigned int)(-300 * HZ), so that the 32-bit
 * counter wraps five minutes after boot and wrap bugs show early; jiffies_64 starts there too.
 */
export function initialJiffies(hz: number): bigint {
  return BigInt.asUintN(32, BigInt(-300 * hz));
}

export function timeHelpers(host: Host): HelperImpl[] {
  const tickNs = BigInt(Math.round(1e9 / host.hz));
  const initial = initialJiffies(host.hz);
  const mono = (): bigint => BigInt.asUintN(64, host.clock());
  return [
    { name: 'ktime_get_ns', fn: mono },
    { name: 'ktime_get_boot_ns', fn: () => mono() + host.suspendedNs },
    {
      name: 'ktime_get_coarse_ns',
      fn: () => {
        const t = mono();
        return t - (t % tickNs);
      },
    },
    { name: 'jiffies64', fn: () => initial + mono() / tickNs },
  ];
}
