// The packet helpers of skb programs (net/core/filter.c), on the linear skb of a test run:
// skb_load_bytes (26), skb_store_bytes (9), l3_csum_replace (10), l4_csum_replace (11), and
// redirect (23, for tc and xdp). Offsets are from skb->data, bounded by skb->len, read from the
// context the program passed; results and errno values are the kernel's. The checksum updates
// follow include/net/checksum.h for an skb with ip_summed = CHECKSUM_NONE, which is what
// BPF_PROG_TEST_RUN builds (so BPF_F_PSEUDO_HDR changes nothing here).

import type { HelperCall, HelperRegistry } from '../helpers.js';
import { CTX_BASE } from '../layout.js';
import { packetFrameOf } from './regions.js';
import { registerSkbResizeHelpers } from './skb-resize.js';

const EINVAL = -22;
const EFAULT = -14;
const ENOMEM = -12;
const INT_MAX = 0x7fff_ffff;

const BPF_F_RECOMPUTE_CSUM = 1n;
const BPF_F_INVALIDATE_HASH = 2n;
const BPF_F_HDR_FIELD_MASK = 0xfn;
const BPF_F_PSEUDO_HDR = 0x10n;
const BPF_F_MARK_MANGLED_0 = 0x20n;
const BPF_F_MARK_ENFORCE = 0x40n;
const BPF_F_IPV6 = 0x80n;
const BPF_F_INGRESS = 1n;
const CSUM_MANGLED_0 = 0xffff;

const TC_ACT_SHOT = 2;
const TC_ACT_REDIRECT = 7;
const XDP_ABORTED = 0;
const XDP_REDIRECT = 4;

/** [data, data_end) of the skb the helper was handed, or null without an skb context. */
function skbData(call: HelperCall): { data: number; len: number; writable: boolean } | null {
  const frame = packetFrameOf(call.memory);
  if (frame === undefined || frame.kind !== 'skb' || call.u32(1) !== CTX_BASE) return null;
  const view = call.memory.view;
  const data = view.getUint32(CTX_BASE + frame.dataField, true);
  const end = view.getUint32(CTX_BASE + frame.endField, true);
  return { data, len: end - data, writable: frame.writable };
}

/** bpf_skb_load_bytes(skb, offset, to, len): on failure `to` is zeroed and -EFAULT returned. */
export function skbLoadBytes(call: HelperCall): number {
  const skb = skbData(call);
  const offset = call.u32(2);
  const to = call.u32(3);
  const len = call.u32(4);
  call.memory.check(to, len, true, call.pc);
  const bytes = call.memory.bytes;
  if (skb === null || offset > INT_MAX || offset + len > skb.len) {
    bytes.fill(0, to, to + len);
    return EFAULT;
  }
  bytes.copyWithin(to, skb.data + offset, skb.data + offset + len);
  return 0;
}

/** bpf_skb_store_bytes(skb, offset, from, len, flags). */
export function skbStoreBytes(call: HelperCall): number {
  const flags = call.arg(5);
  if ((flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) !== 0n) return EINVAL;
  const skb = skbData(call);
  const offset = call.u32(2);
  const from = call.u32(3);
  const len = call.u32(4);
  if (skb === null || !skb.writable) return EINVAL;
  if (offset > INT_MAX) return EFAULT;
  if (offset + len > skb.len) return ENOMEM;
  call.memory.check(from, len, false, call.pc);
  call.memory.bytes.copyWithin(skb.data + offset, from, from + len);
  return 0;
}

// ---- ones' complement arithmetic (include/net/checksum.h), 32-bit values as unsigned numbers

function csumAdd(a: number, b: number): number {
  const r = (a + b) >>> 0;
  return (r + (r < b >>> 0 ? 1 : 0)) >>> 0;
}
const csumSub = (a: number, b: number): number => csumAdd(a, ~b >>> 0);
function csumFold(c: number): number {
  let s = (c & 0xffff) + (c >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
function csum16Add(a: number, b: number): number {
  const r = (a + b) & 0xffff;
  return (r + (r < b ? 1 : 0)) & 0xffff;
}
const csum16Sub = (a: number, b: number): number => csum16Add(a, ~b & 0xffff);

/** csum_replace4 / inet_proto_csum_replace4 without CHECKSUM_PARTIAL. */
const replace4 = (sum: number, from: number, to: number): number =>
  csumFold(csumAdd(csumSub(~sum >>> 0, from), to));
/** csum_replace2. */
const replace2 = (sum: number, from: number, to: number): number =>
  ~csum16Add(csum16Sub(~sum & 0xffff, from & 0xffff), to & 0xffff) & 0xffff;
/** csum_replace_by_diff / inet_proto_csum_replace_by_diff. */
const replaceByDiff = (sum: number, diff: number): number => csumFold(csumAdd(diff, ~sum >>> 0));

/** The checksum field at skb->data + offset, or an errno. */
function sumField(call: HelperCall): number {
  const skb = skbData(call);
  const offset = call.u32(2);
  if (skb === null || !skb.writable) return EINVAL;
  if (call.arg(2) > 0xffffn || (offset & 1) !== 0) return EFAULT;
  if (offset + 2 > skb.len) return EFAULT;
  return skb.data + offset;
}

/** bpf_l3_csum_replace(skb, offset, from, to, flags). */
export function l3CsumReplace(call: HelperCall): number {
  const flags = call.arg(5);
  if ((flags & ~BPF_F_HDR_FIELD_MASK) !== 0n) return EINVAL;
  const at = sumField(call);
  if (at < 0) return at;
  const view = call.memory.view;
  const sum = view.getUint16(at, true);
  const from = call.u32(3);
  const to = call.u32(4);
  switch (flags & BPF_F_HDR_FIELD_MASK) {
    case 0n:
      if (call.arg(3) !== 0n) return EINVAL;
      view.setUint16(at, replaceByDiff(sum, to), true);
      return 0;
    case 2n:
      view.setUint16(at, replace2(sum, from, to), true);
      return 0;
    case 4n:
      view.setUint16(at, replace4(sum, from, to), true);
      return 0;
    default:
      return EINVAL;
  }
}

/** bpf_l4_csum_replace(skb, offset, from, to, flags). */
export function l4CsumReplace(call: HelperCall): number {
  const flags = call.arg(5);
  const allowed =
    BPF_F_MARK_MANGLED_0 |
    BPF_F_MARK_ENFORCE |
    BPF_F_PSEUDO_HDR |
    BPF_F_HDR_FIELD_MASK |
    BPF_F_IPV6;
  if ((flags & ~allowed) !== 0n) return EINVAL;
  const at = sumField(call);
  if (at < 0) return at;
  const view = call.memory.view;
  const mmzero = (flags & BPF_F_MARK_MANGLED_0) !== 0n;
  const force = (flags & BPF_F_MARK_ENFORCE) !== 0n;
  const sum = view.getUint16(at, true);
  if (mmzero && !force && sum === 0) return 0;
  const from = call.u32(3);
  const to = call.u32(4);
  let next: number;
  switch (flags & BPF_F_HDR_FIELD_MASK) {
    case 0n:
      if (call.arg(3) !== 0n) return EINVAL;
      next = replaceByDiff(sum, to);
      break;
    case 2n:
      // inet_proto_csum_replace2 widens the 16-bit values and takes the 4-byte path.
      next = replace4(sum, from & 0xffff, to & 0xffff);
      break;
    case 4n:
      next = replace4(sum, from, to);
      break;
    default:
      return EINVAL;
  }
  if (mmzero && next === 0) next = CSUM_MANGLED_0;
  view.setUint16(at, next, true);
  return 0;
}

/**
 * bpf_redirect(ifindex, flags): a test run sends nothing, it only returns the verdict
 * (tc: TC_ACT_REDIRECT, or TC_ACT_SHOT for bad flags; xdp: XDP_REDIRECT, XDP_ABORTED).
 */
export function redirect(call: HelperCall): number {
  const flags = call.arg(2);
  const frame = packetFrameOf(call.memory);
  if (frame?.kind === 'xdp') return flags !== 0n ? XDP_ABORTED : XDP_REDIRECT;
  return (flags & ~BPF_F_INGRESS) !== 0n ? TC_ACT_SHOT : TC_ACT_REDIRECT;
}

export const SKB_HELPERS = [
  [9, 'skb_store_bytes', skbStoreBytes],
  [10, 'l3_csum_replace', l3CsumReplace],
  [11, 'l4_csum_replace', l4CsumReplace],
  [23, 'redirect', redirect],
  [26, 'skb_load_bytes', skbLoadBytes],
] as const;

/** Register the skb packet helpers for ids nobody has registered yet. */
export function registerSkbHelpers(registry: HelperRegistry): HelperRegistry {
  for (const [id, name, fn] of SKB_HELPERS) if (!registry.has(id)) registry.register(id, fn, name);
  registerSkbResizeHelpers(registry);
  return registry;
}
