// The current task: pid/tgid, uid/gid, comm and the task pointer, from HostEnv. A host task of
// 0n models "no current task" (an interrupt with no process context), where the kernel's helpers
// return -EINVAL (and get_current_comm zeroes the buffer).

import type { HelperCall } from '../helpers.js';
import { checkWritable } from './access.js';
import { EINVAL } from './errno.js';
import type { Host } from './host.js';
import type { HelperImpl } from './types.js';

/** TASK_COMM_LEN: task->comm holds at most 15 bytes and a NUL. */
export const TASK_COMM_LEN = 16;

export function taskHelpers(host: Host): HelperImpl[] {
  const noTask = host.task === 0n;
  const u32 = (v: number): bigint => BigInt(v >>> 0);
  const pidTgid = (u32(host.tgid) << 32n) | u32(host.pid);
  const uidGid = (u32(host.gid) << 32n) | u32(host.uid);
  // task->comm as bytes, cut to what the kernel keeps.
  const comm = new TextEncoder().encode(host.comm).slice(0, TASK_COMM_LEN - 1);

  /**
   * bpf_get_current_comm(buf, size): strscpy_pad(buf, comm, size): at most size-1 bytes of
   * comm, a NUL, then zeros to the end of buf. Without a task: buf zeroed, -EINVAL.
   */
  const getComm = (call: HelperCall): number => {
    const buf = call.u32(1);
    const size = call.u32(2);
    checkWritable(call, buf, size);
    if (size === 0) return 0; // the verifier forbids it; nothing to write
    const bytes = call.memory.bytes;
    bytes.fill(0, buf, buf + size);
    if (noTask) return -EINVAL;
    bytes.set(comm.subarray(0, size - 1), buf);
    return 0;
  };

  return [
    { name: 'get_current_pid_tgid', fn: () => (noTask ? -EINVAL : pidTgid) },
    { name: 'get_current_uid_gid', fn: () => (noTask ? -EINVAL : uidGid) },
    { name: 'get_current_comm', fn: getComm },
    { name: 'get_current_task', fn: () => host.task },
  ];
}
