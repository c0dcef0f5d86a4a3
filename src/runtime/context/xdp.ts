// XDP: `struct xdp_md` at CTX_BASE and the frame in the packet area, as BPF_PROG_TEST_RUN lays
// them out: 256 bytes of headroom (XDP_PACKET_HEADROOM) before the data, a 4 KiB frame of which
// the last 320 bytes are the kernel's skb_shared_info, so adjust_tail may grow the data up to
// 3776 bytes past the frame start. data/data_end/data_meta hold the 32-bit linear addresses
// directly, so clang's loads work without the kernel's context rewriting.
//
// Also here: the three helpers that move the frame's boundaries (xdp_adjust_head, _meta, _tail),
// with the kernel's checks (net/core/filter.c): they rewrite the ctx fields and the packet
// regions. After a run the packet is data_meta..data_end, as the kernel's test run copies out.

import { RunError } from '../../errors.js';
import type { HelperCall, HelperRegistry } from '../helpers.js';
import { CTX_BASE, DATA_BASE, PACKET_BASE } from '../layout.js';
import type { VmMemory } from '../memory.js';
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
  packetFrameOf,
  reenterPacket,
  setPacketRegions,
  setPacketRegionsOf,
  writeContext,
} from './regions.js';
import type {
  ContextInput,
  ContextKind,
  ContextLayout,
  ContextOutput,
  EntryRegs,
  PacketEntry,
} from './types.js';

export const XDP_MD: ContextLayout = Object.freeze({
  type: 'xdp_md',
  size: 24,
  // xdp_is_valid_access: read only; the three pointers are full 32-bit loads.
  fields: Object.freeze([
    field('data', 0, 4, true, false, 'pkt_data'),
    field('data_end', 4, 4, true, false, 'pkt_end'),
    field('data_meta', 8, 4, true, false, 'pkt_meta'),
    field('ingress_ifindex', 12, 4, true, false),
    field('rx_queue_index', 16, 4, true, false),
    field('egress_ifindex', 20, 4, true, false),
  ]),
});

const OFF_DATA = 0;
const OFF_END = 4;
const OFF_META = 8;
const OFF_IFINDEX = 12;
const OFF_RX_QUEUE = 16;
const OFF_EGRESS = 20;

/** Bytes of a test-run frame (one page) and the skb_shared_info at its end. */
export const XDP_FRAME_SIZE = 4096;
export const XDP_TAILROOM = 320;
/** struct xdp_frame, kept at the frame start: data_meta/data never move below it. */
export const XDP_FRAME_HDR = 40;
/** Metadata is at most 32 bytes, a multiple of 4 (xdp_metalen_invalid). */
export const XDP_META_MAX = 32;
/** The loopback device the kernel's test run attaches the frame to. */
export const LOOPBACK_IFINDEX = 1;

const ETH_HLEN = 14;
const EINVAL = -22;
const EACCES = -13;

/** The ctx regions of every xdp run (one array: installRegions keeps it while it stays). */
const XDP_REGIONS = contextRegions(XDP_MD);
/** End of the frame's data room when the packet fits the page (skb_shared_info after it). */
const FRAME_END = PACKET_BASE + XDP_FRAME_SIZE - XDP_TAILROOM;
const PAGE_FRAME: PacketFrame = Object.freeze({
  kind: 'xdp',
  start: PACKET_BASE,
  end: FRAME_END,
  writable: true,
  dataField: OFF_DATA,
  endField: OFF_END,
});
const EMPTY = new Uint8Array(0);

/** Point data, data_end and data_meta at a packet at DATA_BASE. */
function pointAt(view: DataView, dataEnd: number): void {
  view.setUint32(CTX_BASE + OFF_DATA, DATA_BASE, true);
  view.setUint32(CTX_BASE + OFF_END, dataEnd, true);
  view.setUint32(CTX_BASE + OFF_META, DATA_BASE, true);
}

/**
 * Lay the frame out (zeroed, the packet at DATA_BASE), point data/data_end/data_meta at it and
 * install the regions. The other fields of xdp_md are the caller's to write.
 */
function layFrame(
  memory: VmMemory,
  state: ContextState,
  packet: Uint8Array,
  capacity: number,
): DataView {
  const len = packet.length;
  const dataEnd = DATA_BASE + len;
  const end = dataEnd > FRAME_END ? dataEnd : FRAME_END;
  checkFits(end, capacity, 'an xdp frame', len);
  cleanPacketArea(memory, state, DATA_BASE, dataEnd);
  memory.bytes.set(packet, DATA_BASE);
  const view = memory.view;
  pointAt(view, dataEnd);
  const frame = end === FRAME_END ? PAGE_FRAME : Object.freeze({ ...PAGE_FRAME, end });
  installRegions(memory, state, XDP_REGIONS, frame);
  setPacketRegionsOf(memory, state, DATA_BASE, DATA_BASE, dataEnd, true);
  return view;
}

const xdpPacketEntry: PacketEntry = {
  r1: CTX_BASE,
  enter(memory: VmMemory, state: ContextState, packet: Uint8Array, capacity: number): number {
    const len = packet.length;
    const dataEnd = DATA_BASE + len;
    let view: DataView;
    // A hot loop's steady state (the last run an xdp run in the page frame that moved nothing)
    // in one check, without layFrame's calls: ~5 ns of a run of ~100.
    const again =
      dataEnd <= FRAME_END &&
      reenterPacket(
        memory,
        state,
        XDP_REGIONS,
        PAGE_FRAME,
        DATA_BASE,
        DATA_BASE,
        dataEnd,
        XDP_MD.size,
      );
    if (again) {
      memory.bytes.set(packet, DATA_BASE);
      view = memory.view;
      pointAt(view, dataEnd);
    } else {
      view = layFrame(memory, state, packet, capacity);
      cleanContext(memory, state, XDP_MD.size, XDP_MD.size);
    }
    // No ctx given: the scalar fields are what writeContext would leave, written directly.
    view.setUint32(CTX_BASE + OFF_IFINDEX, LOOPBACK_IFINDEX, true);
    view.setUint32(CTX_BASE + OFF_RX_QUEUE, 0, true);
    view.setUint32(CTX_BASE + OFF_EGRESS, 0, true);
    return len;
  },
  outputStart(memory: VmMemory): number {
    return memory.view.getUint32(CTX_BASE + OFF_META, true);
  },
  outputEnd(memory: VmMemory): number {
    return memory.view.getUint32(CTX_BASE + OFF_END, true);
  },
  expose(): void {},
};

export const xdpContext: ContextKind = {
  name: 'xdp',
  layout: XDP_MD,
  packetEntry: xdpPacketEntry,
  enter(memory: VmMemory, input: ContextInput, capacity: number): EntryRegs {
    if (input.mem !== undefined)
      throw new RunError('BAD_INPUT', 'xdp programs take a packet, not mem');
    const state = contextState(memory);
    const packet = input.packet ?? EMPTY;
    if (input.ctx === undefined) {
      return { r1: CTX_BASE, r2: xdpPacketEntry.enter(memory, state, packet, capacity) };
    }
    const len = packet.length;
    checkFits(Math.max(FRAME_END, DATA_BASE + len), capacity, 'an xdp frame', len);
    writeContext(memory, state, XDP_MD, input.ctx, XDP_MD.size, (f) => f.kind === 'scalar');
    const view = layFrame(memory, state, packet, capacity);
    if (view.getUint32(CTX_BASE + OFF_IFINDEX, true) === 0)
      view.setUint32(CTX_BASE + OFF_IFINDEX, LOOPBACK_IFINDEX, true);
    return { r1: CTX_BASE, r2: len };
  },
  leave(memory: VmMemory): ContextOutput {
    const view = memory.view;
    const meta = view.getUint32(CTX_BASE + OFF_META, true);
    const end = view.getUint32(CTX_BASE + OFF_END, true);
    return {
      packet: memory.bytes.slice(meta, end),
      ctx: memory.bytes.slice(CTX_BASE, CTX_BASE + XDP_MD.size),
    };
  },
};

/** The xdp_md a helper was handed (its r1), and the frame. */
function frameOf(call: HelperCall): { ctx: number; start: number; end: number } {
  const frame = packetFrameOf(call.memory);
  const ctx = call.u32(1);
  if (frame === undefined || ctx !== CTX_BASE) {
    throw new RunError('HELPER_FAILED', 'xdp helper called without an xdp context', {
      insn: call.pc,
    });
  }
  return { ctx, start: frame.start, end: frame.end };
}

interface XdpPointers {
  meta: number;
  data: number;
  end: number;
}

function pointers(view: DataView, ctx: number): XdpPointers {
  return {
    data: view.getUint32(ctx + OFF_DATA, true),
    end: view.getUint32(ctx + OFF_END, true),
    meta: view.getUint32(ctx + OFF_META, true),
  };
}

function commit(memory: VmMemory, ctx: number, p: XdpPointers): void {
  const view = memory.view;
  view.setUint32(ctx + OFF_DATA, p.data, true);
  view.setUint32(ctx + OFF_END, p.end, true);
  view.setUint32(ctx + OFF_META, p.meta, true);
  setPacketRegions(memory, p.meta, p.data, p.end, true);
}

/** bpf_xdp_adjust_head(ctx, delta): move data (and the metadata with it). */
export function xdpAdjustHead(call: HelperCall): number {
  const { ctx, start } = frameOf(call);
  const delta = call.i32(2);
  const memory = call.memory;
  const p = pointers(memory.view, ctx);
  const metalen = p.data - p.meta;
  const data = p.data + delta;
  if (data < start + XDP_FRAME_HDR + metalen || data > p.end - ETH_HLEN) return EINVAL;
  if (metalen > 0) memory.bytes.copyWithin(p.meta + delta, p.meta, p.data);
  commit(memory, ctx, { meta: p.meta + delta, data, end: p.end });
  return 0;
}

/** bpf_xdp_adjust_meta(ctx, delta): move data_meta; metadata is <= 32 bytes, 4-aligned. */
export function xdpAdjustMeta(call: HelperCall): number {
  const { ctx, start } = frameOf(call);
  const delta = call.i32(2);
  const memory = call.memory;
  const p = pointers(memory.view, ctx);
  const meta = p.meta + delta;
  if (meta < start + XDP_FRAME_HDR || meta > p.data) return EINVAL;
  const metalen = p.data - meta;
  if (metalen % 4 !== 0 || metalen > XDP_META_MAX) return EACCES;
  commit(memory, ctx, { ...p, meta });
  return 0;
}

/** bpf_xdp_adjust_tail(ctx, delta): move data_end; grown bytes are zeroed. */
export function xdpAdjustTail(call: HelperCall): number {
  const { ctx, end: hardEnd } = frameOf(call);
  const delta = call.i32(2);
  const memory = call.memory;
  const p = pointers(memory.view, ctx);
  const end = p.end + delta;
  if (end > hardEnd || end < p.data + ETH_HLEN) return EINVAL;
  if (delta > 0) memory.bytes.fill(0, p.end, end);
  commit(memory, ctx, { ...p, end });
  return 0;
}

/** Helper ids from linux/bpf.h. */
export const XDP_HELPERS = [
  [44, 'xdp_adjust_head', xdpAdjustHead],
  [54, 'xdp_adjust_meta', xdpAdjustMeta],
  [65, 'xdp_adjust_tail', xdpAdjustTail],
] as const;

export function registerXdpHelpers(registry: HelperRegistry): HelperRegistry {
  for (const [id, name, fn] of XDP_HELPERS) registry.register(id, fn, name);
  return registry;
}
