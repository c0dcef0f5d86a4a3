// `struct __sk_buff` (linux/bpf.h) for socket filters and tc (sched_cls/sched_act), laid out as
// BPF_PROG_TEST_RUN does it: the frame goes through eth_type_trans, so protocol is the
// frame's ethertype, pkt_type follows the destination MAC, len is the length from skb->data.
// tc programs see the frame from the Ethernet header; socket filters from the network header
// (skb->len is 14 less), and their packet comes back with a zeroed Ethernet header in front,
// as the kernel's test run returns it. Which fields a program may read or write follows
// tc_cls_act_is_valid_access / sk_filter_is_valid_access (net/core/filter.c).
//
// data/data_end/data_meta are written even for socket filters (whose programs may not read
// them) so helpers find the packet the same way for both; the `sk` pointer is not modelled
// (not readable).

import { RunError } from '../../errors.js';
import { CTX_BASE, DATA_BASE, PACKET_BASE } from '../layout.js';
import type { VmMemory } from '../memory.js';
import { LOOPBACK_IFINDEX } from './xdp.js';
import {
  type ContextState,
  type PacketFrame,
  checkFits,
  cleanContext,
  cleanPacketArea,
  contextRegions,
  contextState,
  field,
  installRegions,
  reenterPacket,
  setPacketRegionsOf,
  writeContext,
} from './regions.js';
import type {
  ContextField,
  ContextInput,
  ContextKind,
  ContextLayout,
  ContextOutput,
  EntryRegs,
  PacketEntry,
} from './types.js';

export type SkbFlavour = 'tc' | 'socket';

/** Which __sk_buff fields each flavour may read (r) and write (w). */
type Rights = Readonly<Record<SkbFlavour, '' | 'r' | 'rw'>>;
const RO: Rights = { tc: 'r', socket: 'r' };
const TC_RW: Rights = { tc: 'rw', socket: 'r' };
const CB: Rights = { tc: 'rw', socket: 'rw' };
const TC_ONLY: Rights = { tc: 'r', socket: '' };
const TC_ONLY_RW: Rights = { tc: 'rw', socket: '' };
const NONE: Rights = { tc: '', socket: '' };

const SKB_FIELDS: ReadonlyArray<readonly [string, number, number, Rights, ContextField['kind']?]> =
  [
    ['len', 0, 4, RO],
    ['pkt_type', 4, 4, RO],
    ['mark', 8, 4, TC_RW],
    ['queue_mapping', 12, 4, TC_RW],
    ['protocol', 16, 4, RO],
    ['vlan_present', 20, 4, RO],
    ['vlan_tci', 24, 4, RO],
    ['vlan_proto', 28, 4, RO],
    ['priority', 32, 4, TC_RW],
    ['ingress_ifindex', 36, 4, RO],
    ['ifindex', 40, 4, RO],
    ['tc_index', 44, 4, TC_RW],
    ['cb', 48, 20, CB],
    ['hash', 68, 4, RO],
    ['tc_classid', 72, 4, TC_ONLY_RW],
    ['data', 76, 4, TC_ONLY, 'pkt_data'],
    ['data_end', 80, 4, TC_ONLY, 'pkt_end'],
    ['napi_id', 84, 4, RO],
    // family .. local_port: sk_skb only.
    ['family', 88, 4, NONE],
    ['remote_ip4', 92, 4, NONE],
    ['local_ip4', 96, 4, NONE],
    ['remote_ip6', 100, 16, NONE],
    ['local_ip6', 116, 16, NONE],
    ['remote_port', 132, 4, NONE],
    ['local_port', 136, 4, NONE],
    ['data_meta', 140, 4, TC_ONLY, 'pkt_meta'],
    ['flow_keys', 144, 8, NONE],
    ['tstamp', 152, 8, TC_ONLY_RW],
    ['wire_len', 160, 4, TC_ONLY],
    ['gso_segs', 164, 4, RO],
    ['sk', 168, 8, NONE],
    ['gso_size', 176, 4, RO],
    ['tstamp_type', 180, 1, TC_ONLY],
    ['hwtstamp', 184, 8, TC_ONLY],
  ];

/** Fields a caller may give (BPF_PROG_TEST_RUN's ctx_in for skb programs). */
const SETTABLE = new Set([
  'mark',
  'priority',
  'ingress_ifindex',
  'ifindex',
  'cb',
  'tstamp',
  'wire_len',
  'gso_segs',
  'gso_size',
  'hwtstamp',
  'queue_mapping',
  'tc_index',
  'tc_classid',
]);

function skbLayout(flavour: SkbFlavour): ContextLayout {
  const fields = SKB_FIELDS.map(([name, offset, size, rights, kind]) => {
    const r = rights[flavour];
    return field(name, offset, size, r !== '', r === 'rw', kind ?? 'scalar');
  });
  return Object.freeze({ type: '__sk_buff', size: 192, fields: Object.freeze(fields) });
}

export const SK_BUFF_TC: ContextLayout = skbLayout('tc');
export const SK_BUFF_SOCKET: ContextLayout = skbLayout('socket');

const OFF = {
  len: 0,
  pkt_type: 4,
  protocol: 16,
  ingress_ifindex: 36,
  ifindex: 40,
  data: 76,
  data_end: 80,
  data_meta: 140,
  wire_len: 160,
  gso_segs: 164,
} as const;

const ETH_HLEN = 14;
/** Headroom the kernel's test run reserves before the frame (NET_SKB_PAD + NET_IP_ALIGN). */
export const SKB_HEADROOM = 64;
/** Room after the frame for helpers that grow it (skb_change_tail and friends). */
export const SKB_TAILROOM = 4096;

/** PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3 (eth_type_trans on the loopback device, MAC 00:..:00). */
function pktType(frame: Uint8Array): number {
  let broadcast = true;
  let zero = true;
  for (let i = 0; i < 6; i++) {
    const b = frame[i] ?? 0;
    if (b !== 0xff) broadcast = false;
    if (b !== 0) zero = false;
  }
  if (broadcast) return 1;
  if (((frame[0] ?? 0) & 1) !== 0) return 2;
  return zero ? 0 : 3;
}

const EMPTY = new Uint8Array(0);

export function skbContext(flavour: SkbFlavour): ContextKind {
  const layout = flavour === 'tc' ? SK_BUFF_TC : SK_BUFF_SOCKET;
  const regions = contextRegions(layout);
  // Where skb->data points relative to the frame start.
  const dataOff = flavour === 'tc' ? 0 : ETH_HLEN;
  const writable = flavour === 'tc';
  const settable = (f: ContextField): boolean => SETTABLE.has(f.name);
  // The frame of the last packet laid out (the same object while the packet length stays, so
  // reenterPacket recognises it).
  let frameObj: PacketFrame = Object.freeze({
    kind: 'skb',
    start: 0,
    end: 0,
    writable,
    dataField: OFF.data,
    endField: OFF.data_end,
  });

  /** Lay the frame out and fill the fields the kernel derives from it; the rest is the caller's. */
  const layFrame = (
    memory: VmMemory,
    state: ContextState,
    frame: Uint8Array,
    capacity: number,
    ctx: ContextInput['ctx'],
  ): number => {
    if (frame.length < ETH_HLEN) {
      throw new RunError('BAD_INPUT', `an skb frame needs ${ETH_HLEN} bytes, got ${frame.length}`);
    }
    const frameAt = DATA_BASE - dataOff;
    const dataEnd = frameAt + frame.length;
    const start = Math.max(PACKET_BASE, frameAt - SKB_HEADROOM);
    const end = dataEnd + SKB_TAILROOM;
    checkFits(end, capacity, 'an skb', frame.length);
    if (ctx === undefined) cleanContext(memory, state, 0, layout.size);
    else writeContext(memory, state, layout, ctx, layout.size, settable);
    if (frameObj.start !== start || frameObj.end !== end) {
      frameObj = Object.freeze({ ...frameObj, start, end });
    }
    const again = reenterPacket(
      memory,
      state,
      regions,
      frameObj,
      frameAt,
      DATA_BASE,
      dataEnd,
      layout.size,
    );
    if (!again) cleanPacketArea(memory, state, frameAt, dataEnd);
    memory.bytes.set(frame, frameAt);
    const view = memory.view;
    const len = dataEnd - DATA_BASE;
    view.setUint32(CTX_BASE + OFF.len, len, true);
    view.setUint32(CTX_BASE + OFF.pkt_type, pktType(frame), true);
    // skb->protocol is stored in network byte order: the frame's bytes 12-13 as they are.
    view.setUint16(CTX_BASE + OFF.protocol, ((frame[12] ?? 0) << 8) | (frame[13] ?? 0), false);
    view.setUint16(CTX_BASE + OFF.protocol + 2, 0, true);
    if (view.getUint32(CTX_BASE + OFF.ifindex, true) === 0)
      view.setUint32(CTX_BASE + OFF.ifindex, LOOPBACK_IFINDEX, true);
    if (view.getUint32(CTX_BASE + OFF.wire_len, true) === 0)
      view.setUint32(CTX_BASE + OFF.wire_len, frame.length, true);
    if (view.getUint32(CTX_BASE + OFF.gso_segs, true) === 0)
      view.setUint32(CTX_BASE + OFF.gso_segs, 1, true);
    view.setUint32(CTX_BASE + OFF.data, DATA_BASE, true);
    view.setUint32(CTX_BASE + OFF.data_end, dataEnd, true);
    view.setUint32(CTX_BASE + OFF.data_meta, DATA_BASE, true);
    if (!again) {
      installRegions(memory, state, regions, frameObj);
      setPacketRegionsOf(memory, state, DATA_BASE, DATA_BASE, dataEnd, writable);
    }
    return len;
  };

  const packetEntry: PacketEntry = {
    r1: CTX_BASE,
    enter(memory: VmMemory, state: ContextState, packet: Uint8Array, capacity: number): number {
      return layFrame(memory, state, packet, capacity, undefined);
    },
    outputStart(memory: VmMemory): number {
      return memory.view.getUint32(CTX_BASE + OFF.data, true) - dataOff;
    },
    outputEnd(memory: VmMemory): number {
      const view = memory.view;
      const data = view.getUint32(CTX_BASE + OFF.data, true);
      return Math.max(data, view.getUint32(CTX_BASE + OFF.data_end, true));
    },
    expose(memory: VmMemory): void {
      if (dataOff === 0) return;
      const data = memory.view.getUint32(CTX_BASE + OFF.data, true);
      memory.zero(data - dataOff, data);
    },
  };

  return {
    name: 'skb',
    layout,
    packetEntry,
    enter(memory: VmMemory, input: ContextInput, capacity: number): EntryRegs {
      if (input.mem !== undefined) {
        throw new RunError('BAD_INPUT', 'skb programs take a packet, not mem');
      }
      const state = contextState(memory);
      const r2 = layFrame(memory, state, input.packet ?? EMPTY, capacity, input.ctx);
      return { r1: CTX_BASE, r2 };
    },
    leave(memory: VmMemory): ContextOutput {
      const view = memory.view;
      const data = view.getUint32(CTX_BASE + OFF.data, true);
      const end = view.getUint32(CTX_BASE + OFF.data_end, true);
      const ctx = memory.bytes.slice(CTX_BASE, CTX_BASE + layout.size);
      if (flavour === 'tc') return { packet: memory.bytes.slice(data, end), ctx };
      const packet = new Uint8Array(ETH_HLEN + Math.max(0, end - data));
      packet.set(memory.bytes.subarray(data, end), ETH_HLEN);
      return { packet, ctx };
    },
  };
}

export const tcContext: ContextKind = skbContext('tc');
export const socketContext: ContextKind = skbContext('socket');
