// How helpers touch VM memory. Pointers the program passes are checked against the VM's regions
// the way the interpreter checks its own loads: memory the verifier lets a helper write (dst
// buffers) must be inside a writable region, or the run stops with OUT_OF_BOUNDS at the call;
// memory a helper only "probes" (probe_read's source) may be anywhere, and a miss is the -EFAULT
// the kernel's nofault copies return.

import type { HelperCall } from '../helpers.js';

/** Throw OUT_OF_BOUNDS (at the call) unless [addr, addr+len) is writable program memory. */
export function checkWritable(call: HelperCall, addr: number, len: number): void {
  if (len > 0) call.memory.check(addr, len, true, call.pc);
}

/** Throw OUT_OF_BOUNDS (at the call) unless [addr, addr+len) is readable program memory. */
export function checkReadable(call: HelperCall, addr: number, len: number): void {
  if (len > 0) call.memory.check(addr, len, false, call.pc);
}

/** Whether [addr, addr+len) is readable; len 0 is always fine. The address is a full u64. */
export function probeable(call: HelperCall, addr: bigint, len: number): boolean {
  if (len === 0) return true;
  if (addr > 0xffff_ffffn) return false;
  return call.memory.regionOf(Number(addr), len, false) !== null;
}

/**
 * End (exclusive) of the readable memory that starts at `addr`, following adjacent regions
 * (stack frames, a map's consecutive storage): how far a string read may go before it faults.
 */
export function readableEnd(call: HelperCall, addr: bigint, limit: number): number {
  if (addr > 0xffff_ffffn) return 0;
  let at = Number(addr);
  const stop = at + limit;
  while (at < stop) {
    if (call.memory.regionOf(at, 1, false) === null) break;
    // Probe region by region: regionOf answers whole spans, so find this one's end by halving.
    let lo = 1;
    let hi = stop - at;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (call.memory.regionOf(at, mid, false) !== null) lo = mid;
      else hi = mid - 1;
    }
    at += lo;
  }
  return at;
}

/**
 * The NUL-terminated string at `addr` (bytes, without the NUL), reading at most `max` bytes.
 * Returns null when it runs out of readable memory before a NUL or `max` bytes.
 */
export function readCString(call: HelperCall, addr: bigint, max: number): Uint8Array | null {
  const start = Number(addr);
  const end = readableEnd(call, addr, max);
  const bytes = call.memory.bytes;
  for (let p = start; p < end; p++) if (bytes[p] === 0) return bytes.slice(start, p);
  return end - start >= max ? bytes.slice(start, start + max) : null;
}
