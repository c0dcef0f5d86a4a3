// The skb helpers that change how much of the packet there is or how much is directly
// accessible (net/core/filter.c): skb_change_tail (38) and skb_pull_data (39), for tc programs
// on the linear skb of a test run. Both end with the kernel's bpf_compute_data_pointers, i.e.
// skb->data_end (and skb->len for change_tail) are rewritten, and the verifier already drops
// every packet pointer across them (CHANGES_PKT_DATA in src/verifier/check-call.ts).
//
// Bounds are the kernel's for a BPF_PROG_TEST_RUN skb: the frame is on the loopback device, so
// __bpf_skb_max_len is its MTU (65536) plus its hard_header_len (14); __bpf_skb_min_len is the
// network header offset (14: the test run sets no transport header and uses CHECKSUM_NONE).
// In our flat layout every packet byte is linear, so skb_pull_data never has to move anything.

import type { HelperCall, HelperRegistry } from '../helpers.js';
import { CTX_BASE, DATA_BASE } from '../layout.js';
import { packetFrameOf, setPacketRegions } from './regions.js';

const EINVAL = -22;
const ENOMEM = -12;

/** skb->len's offset in struct __sk_buff. */
const OFF_LEN = 0;
/** __bpf_skb_max_len on the loopback device: dev->mtu + dev->hard_header_len. */
export const SKB_MAX_LEN = 65536 + 14;
/** __bpf_skb_min_len of a test-run skb: the network header offset. */
export const SKB_MIN_LEN = 14;

/** The skb a helper was handed: data and data_end addresses, or null without an skb context. */
function skbOf(call: HelperCall): { data: number; end: number; writable: boolean } | null {
  const frame = packetFrameOf(call.memory);
  if (frame === undefined || frame.kind !== 'skb' || call.u32(1) !== CTX_BASE) return null;
  const view = call.memory.view;
  return {
    data: view.getUint32(CTX_BASE + frame.dataField, true),
    end: view.getUint32(CTX_BASE + frame.endField, true),
    writable: frame.writable,
  };
}

/**
 * bpf_skb_change_tail(skb, len, flags): trim the packet to `len` bytes, or grow it with zeroed
 * bytes; flags must be 0. The kernel reallocates the skb when its tailroom is too small; here the
 * packet can grow up to the end of the data area, and -ENOMEM is returned past it (only reachable
 * with a data area smaller than SKB_MAX_LEN).
 */
export function skbChangeTail(call: HelperCall): number {
  const skb = skbOf(call);
  const len = call.u32(2);
  if (skb === null || !skb.writable) return EINVAL;
  if (call.arg(3) !== 0n || len > SKB_MAX_LEN || len < SKB_MIN_LEN) return EINVAL;
  const memory = call.memory;
  const end = skb.data + len;
  if (end > DATA_BASE + memory.dataCapacity) return ENOMEM;
  memory.ensure(end);
  if (end > skb.end) memory.bytes.fill(0, skb.end, end);
  const view = memory.view;
  const frame = packetFrameOf(memory);
  if (frame === undefined) return EINVAL;
  view.setUint32(CTX_BASE + OFF_LEN, len, true);
  view.setUint32(CTX_BASE + frame.endField, end, true);
  setPacketRegions(memory, skb.data, skb.data, end, skb.writable);
  return 0;
}

/**
 * bpf_skb_pull_data(skb, len): make the first `len` bytes (0: the linear head) directly
 * accessible. All of our packet is linear, so this succeeds exactly when the kernel's
 * pskb_may_pull would: len <= skb->len; otherwise -ENOMEM.
 */
export function skbPullData(call: HelperCall): number {
  const skb = skbOf(call);
  if (skb === null || !skb.writable) return EINVAL;
  return call.u32(2) <= skb.end - skb.data ? 0 : ENOMEM;
}

export const SKB_RESIZE_HELPERS = [
  [38, 'skb_change_tail', skbChangeTail],
  [39, 'skb_pull_data', skbPullData],
] as const;

/** Register skb_change_tail and skb_pull_data for ids nobody has registered yet. */
export function registerSkbResizeHelpers(registry: HelperRegistry): HelperRegistry {
  for (const [id, name, fn] of SKB_RESIZE_HELPERS) {
    if (!registry.has(id)) registry.register(id, fn, name);
  }
  return registry;
}
