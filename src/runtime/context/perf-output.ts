// bpf_perf_event_output from xdp and skb programs may append packet bytes to the sample: the
// upper 32 bits of `flags` (BPF_F_CTXLEN_MASK) give how many bytes from the packet's data
// follow the program's own data (bpf_skb_event_output / bpf_xdp_event_output). The map
// implementation (maps.wat) writes samples from one buffer, so this wrapper stages
// data + packet bytes in the unused part of the context area and hands that on. Without a
// packet length in the flags it calls the map implementation unchanged.

import type { HelperCall, HelperRegistry } from '../helpers.js';
import { ARGS_SLOT as ARGS, CTX_BASE, CTX_SIZE } from '../layout.js';
import { dirtyContext, packetFrameOf } from './regions.js';

export const PERF_EVENT_OUTPUT = 25;
const CTXLEN_MASK = 0xfffffn << 32n;
const INDEX_MASK = 0xffff_ffffn;
/** Staging room: the context area past the largest packet context (__sk_buff, 192 bytes). */
const STAGE = CTX_BASE + 256;
const STAGE_END = CTX_BASE + CTX_SIZE;

const EINVAL = -22;
const EFAULT = -14;
const E2BIG = -7;

/** Replace helper 25 by the packet-aware wrapper around the one registered now (the map's). */
export function registerPerfOutputWithPacket(registry: HelperRegistry): void {
  const inner = registry.get(PERF_EVENT_OUTPUT);
  if (inner === undefined) return;
  const fn = (call: HelperCall): bigint | number => {
    const flags = call.arg(3);
    const ctxLen = Number((flags & CTXLEN_MASK) >> 32n);
    if (ctxLen === 0) return inner.fn(call);
    if ((flags & ~(CTXLEN_MASK | INDEX_MASK)) !== 0n) return EINVAL;
    const frame = packetFrameOf(call.memory);
    if (frame === undefined || call.u32(1) !== CTX_BASE) return EINVAL;
    const view = call.memory.view;
    const data = view.getUint32(CTX_BASE + frame.dataField, true);
    const end = view.getUint32(CTX_BASE + frame.endField, true);
    if (ctxLen > end - data) return EFAULT;
    const src = call.arg(4);
    const size = call.arg(5);
    if (size > BigInt(STAGE_END - STAGE) || STAGE + Number(size) + ctxLen > STAGE_END) return E2BIG;
    const n = Number(size);
    const bytes = call.memory.bytes;
    if (n > 0) {
      call.memory.check(Number(src & 0xffff_ffffn), n, false, call.pc);
      bytes.copyWithin(STAGE, Number(src), Number(src) + n);
    }
    bytes.copyWithin(STAGE + n, data, data + ctxLen);
    // The next context run must zero what was staged here.
    dirtyContext(call.memory, STAGE + n + ctxLen);
    // The map implementation reads r1-r5 from the arguments it is given.
    const args: [bigint, bigint, bigint, bigint, bigint] = [
      call.arg(1),
      call.arg(2),
      flags & INDEX_MASK,
      BigInt(STAGE),
      BigInt(n + ctxLen),
    ];
    if (inner.wasm !== undefined) return inner.wasm(...args);
    const saved = args.map((_, i) => view.getBigUint64(ARGS + i * 8, true));
    args.forEach((v, i) => view.setBigUint64(ARGS + i * 8, v, true));
    try {
      return inner.fn(call);
    } finally {
      saved.forEach((v, i) => view.setBigUint64(ARGS + i * 8, v, true));
    }
  };
  registry.register(PERF_EVENT_OUTPUT, fn, inner.name);
}
