// Metadata helpers of skb programs (net/core/filter.c), on the __sk_buff of src/runtime/context:
//
//   bpf_get_hash_recalc(skb)   skb->hash, computed from the flow first if it is 0 (and stored
//                              back, so a later read of __sk_buff->hash sees it)
//   bpf_set_hash(skb, hash)    skb->hash = hash (a software hash); returns 0
//   bpf_get_socket_cookie(skb) the cookie of skb->sk, 0 without a socket (HostEnv.socketCookie;
//                              default 0, as for a tc ingress packet, which has no socket yet)
//
// The kernel's flow hash is jhash over the dissected flow keys with a key chosen at boot, so its
// values are not reproducible anywhere; what programs can rely on is kept: the same flow hashes
// the same, both directions of a flow hash the same (flow_hash_consistentify), the result is
// never 0. The flow is the IPv4/IPv6 addresses, the L4 protocol and, for TCP/UDP/SCTP/UDP-Lite
// of unfragmented packets, the ports; other packets hash their protocol alone. The mixing is
// seeded with HostEnv.seed.
//
// Called with anything other than the skb context of the current run, they return 0.

import { SK_BUFF_TC, packetFrameOf } from '../context/index.js';
import type { HelperCall } from '../helpers.js';
import { CTX_BASE } from '../layout.js';
import type { Host } from './host.js';
import type { HelperImpl } from './types.js';

function offsetOf(name: string): number {
  const f = SK_BUFF_TC.fields.find((x) => x.name === name);
  if (f === undefined) return -1;
  return f.offset;
}
const HASH = offsetOf('hash');
const PROTOCOL = offsetOf('protocol');

const ETH_HLEN = 14;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
/** L4 protocols whose first 4 bytes are the ports. */
const PORTED = new Set([6, 17, 132, 136]);

/** The skb context of this call, or null. */
function skbFrame(call: HelperCall): { data: number; end: number; writable: boolean } | null {
  const frame = packetFrameOf(call.memory);
  if (frame === undefined || frame.kind !== 'skb' || call.arg(1) !== BigInt(CTX_BASE)) return null;
  const view = call.memory.view;
  return {
    data: view.getUint32(CTX_BASE + frame.dataField, true),
    end: view.getUint32(CTX_BASE + frame.endField, true),
    writable: frame.writable,
  };
}

/** The flow keys of the packet as u32 words, direction-independent. */
function flowWords(
  call: HelperCall,
  skb: { data: number; end: number; writable: boolean },
): number[] {
  const view = call.memory.view;
  const proto = view.getUint16(CTX_BASE + PROTOCOL, false);
  // tc programs see the frame from its Ethernet header, socket filters from the network header;
  // of the two only tc may write the packet (see src/runtime/context/skb.ts).
  const l3 = skb.data + (skb.writable ? ETH_HLEN : 0);
  const has = (at: number, n: number): boolean => at + n <= skb.end;
  let a: number[] = [];
  let b: number[] = [];
  let l4proto = -1;
  let l4 = -1;
  if (proto === ETH_P_IP && has(l3, 20)) {
    const ihl = (view.getUint8(l3) & 0x0f) * 4;
    const frag = view.getUint16(l3 + 6, false) & 0x3fff;
    l4proto = view.getUint8(l3 + 9);
    a = [view.getUint32(l3 + 12, false)];
    b = [view.getUint32(l3 + 16, false)];
    if (frag === 0 && ihl >= 20) l4 = l3 + ihl;
  } else if (proto === ETH_P_IPV6 && has(l3, 40)) {
    l4proto = view.getUint8(l3 + 6);
    for (let k = 0; k < 4; k++) {
      a.push(view.getUint32(l3 + 8 + k * 4, false));
      b.push(view.getUint32(l3 + 24 + k * 4, false));
    }
    l4 = l3 + 40;
  } else {
    return [proto];
  }
  if (l4 >= 0 && PORTED.has(l4proto) && has(l4, 4)) {
    a.push(view.getUint16(l4, false));
    b.push(view.getUint16(l4 + 2, false));
  }
  // Both directions of a flow give the same words.
  const [lo, hi] = compareWords(a, b) <= 0 ? [a, b] : [b, a];
  return [proto, l4proto, ...lo, ...hi];
}

function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! < b[k]! ? -1 : 1;
  return 0;
}

/** Seeded 32-bit mixing of the flow words (murmur3-style rounds and finalizer); never 0. */
export function flowHash(words: readonly number[], seed: number): number {
  let h = seed >>> 0;
  for (const w of words) {
    let k = Math.imul(w >>> 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) >>> 0;
  }
  h ^= words.length * 4;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h === 0 ? 1 : h;
}

export function skbMetaHelpers(host: Host): HelperImpl[] {
  const seed = Number(host.seed & 0xffff_ffffn) ^ Number(host.seed >> 32n);
  return [
    {
      name: 'get_hash_recalc',
      fn: (call) => {
        const skb = skbFrame(call);
        if (skb === null) return 0;
        const view = call.memory.view;
        const hash = view.getUint32(CTX_BASE + HASH, true);
        if (hash !== 0) return hash;
        const fresh = flowHash(flowWords(call, skb), seed);
        view.setUint32(CTX_BASE + HASH, fresh, true);
        return fresh;
      },
    },
    {
      name: 'set_hash',
      fn: (call) => {
        if (skbFrame(call) === null) return 0;
        call.memory.view.setUint32(CTX_BASE + HASH, call.u32(2), true);
        return 0;
      },
    },
    {
      name: 'get_socket_cookie',
      fn: (call) => (skbFrame(call) === null ? 0n : host.socketCookie),
    },
  ];
}
