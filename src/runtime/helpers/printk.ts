// bpf_trace_printk(fmt, fmt_size, a1, a2, a3) and bpf_snprintf(str, str_size, fmt, data,
// data_len): the kernel's BPF printf (format.ts) with its two argument conventions.
//
// trace_printk takes up to 3 arguments in r3-r5, needs the NUL inside fmt_size, formats into a
// 1024-byte buffer (MAX_BPRINTF_BUF) and hands the message to HostEnv.printk (the kernel writes it
// to the trace pipe). It returns what bstr_printf returns: the message length without the NUL,
// as if nothing had been cut.
//
// snprintf takes its arguments as an array of u64 (data_len a multiple of 8, at most 12 of
// them), writes at most str_size bytes always NUL-terminated (nothing when str_size is 0), and
// returns the length the whole output needs including the NUL.

import type { HelperCall } from '../helpers.js';
import { checkReadable, checkWritable, readCString } from './access.js';
import { EINVAL } from './errno.js';
import { bprintf } from './format.js';
import type { Host } from './host.js';
import type { HelperImpl } from './types.js';

/** MAX_BPRINTF_BUF: trace_printk's output buffer. */
export const TRACE_PRINTK_BUF = 1024;
/** MAX_TRACE_PRINTK_VARARGS. */
export const TRACE_PRINTK_ARGS = 3;
/** MAX_BPRINTF_VARARGS: bpf_snprintf's argument limit. */
export const SNPRINTF_ARGS = 12;
/** A constant string has no size argument; this bounds the search for its NUL. */
const MAX_FMT = 0x10000;

const latin1 = new TextDecoder('latin1');

export function tracePrintk(host: Host, call: HelperCall): number {
  const fmtAddr = call.u32(1);
  const fmtSize = call.u32(2);
  checkReadable(call, fmtAddr, fmtSize);
  const raw = call.memory.bytes.subarray(fmtAddr, fmtAddr + fmtSize);
  const nul = raw.indexOf(0);
  if (nul < 0) return -EINVAL;
  const out = bprintf(call, raw.slice(0, nul), [call.arg(3), call.arg(4), call.arg(5)]);
  if (typeof out === 'number') return out;
  host.printk(latin1.decode(out.subarray(0, TRACE_PRINTK_BUF - 1)));
  return out.length;
}

export function snprintf(call: HelperCall): number {
  const str = call.u32(1);
  const strSize = call.u32(2);
  const fmtAddr = call.arg(3);
  const data = call.u32(4);
  const dataLen = call.u32(5);
  if (dataLen % 8 !== 0 || dataLen / 8 > SNPRINTF_ARGS || (dataLen !== 0 && data === 0)) {
    return -EINVAL;
  }
  checkWritable(call, str, strSize);
  checkReadable(call, data, dataLen);
  const fmt = readCString(call, fmtAddr, MAX_FMT);
  if (fmt === null) return -EINVAL;
  const args: bigint[] = [];
  for (let k = 0; k < dataLen; k += 8) args.push(call.memory.view.getBigUint64(data + k, true));
  const out = bprintf(call, fmt, args);
  if (typeof out === 'number') return out;
  if (strSize > 0) {
    const n = Math.min(out.length, strSize - 1);
    const bytes = call.memory.bytes;
    bytes.set(out.subarray(0, n), str);
    bytes[str + n] = 0;
  }
  return out.length + 1;
}

export function printkHelpers(host: Host): HelperImpl[] {
  return [
    { name: 'trace_printk', fn: (call) => tracePrintk(host, call) },
    { name: 'snprintf', fn: snprintf },
  ];
}
