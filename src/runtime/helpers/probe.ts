// bpf_probe_read{,_kernel,_user}(dst, size, src) and their _str variants: copy from an arbitrary
// address that may not be mapped. In the kernel a fault is caught and reported as -EFAULT with dst
// zeroed, so a program that ignores the result never copies stale bytes; here "mapped" means
// inside one of the VM's regions (stack, context, packet, maps). The VM has one flat address
// space, so the kernel/user distinction does not exist and the three variants behave alike.
//
// The _str variants copy up to and including the first NUL, at most `size` bytes, and return
// the length including the NUL; a string cut at `size` ends with a NUL written at size-1 and
// returns `size`. Bytes after the NUL are left as they were (the kernel does not pad).

import type { HelperCall } from '../helpers.js';
import { checkWritable, probeable, readableEnd } from './access.js';
import { EFAULT } from './errno.js';
import type { HelperImpl } from './types.js';

/** bpf_probe_read_kernel_common: 0, or -EFAULT with dst zeroed. */
export function probeRead(call: HelperCall): number {
  const dst = call.u32(1);
  const size = call.u32(2);
  const src = call.arg(3);
  checkWritable(call, dst, size);
  const bytes = call.memory.bytes;
  if (!probeable(call, src, size)) {
    bytes.fill(0, dst, dst + size);
    return -EFAULT;
  }
  const from = Number(src);
  bytes.copyWithin(dst, from, from + size);
  return 0;
}

/** bpf_probe_read_kernel_str_common: length including the NUL, or -EFAULT with dst zeroed. */
export function probeReadStr(call: HelperCall): number {
  const dst = call.u32(1);
  const size = call.u32(2);
  const src = call.arg(3);
  checkWritable(call, dst, size);
  if (size === 0) return 0;
  const end = readableEnd(call, src, size);
  const from = Number(src);
  const bytes = call.memory.bytes;
  // Copy through a temporary: src and dst may overlap.
  const n = Math.max(0, end - from);
  const nul = bytes.subarray(from, from + n).indexOf(0);
  if (nul >= 0) {
    bytes.set(bytes.slice(from, from + nul + 1), dst);
    return nul + 1;
  }
  if (n < size) {
    bytes.fill(0, dst, dst + size);
    return -EFAULT;
  }
  bytes.set(bytes.slice(from, from + size - 1), dst);
  bytes[dst + size - 1] = 0;
  return size;
}

export function probeHelpers(): HelperImpl[] {
  return [
    { name: 'probe_read', fn: probeRead },
    { name: 'probe_read_kernel', fn: probeRead },
    { name: 'probe_read_user', fn: probeRead },
    { name: 'probe_read_str', fn: probeReadStr },
    { name: 'probe_read_kernel_str', fn: probeReadStr },
    { name: 'probe_read_user_str', fn: probeReadStr },
  ];
}
