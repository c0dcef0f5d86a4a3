// The VmMemory regions a context run exposes, and the packet frame helpers work within.
//
// Region names: `ctx:<fields>` for the accessible parts of the context (adjacent fields with the
// same read/write rights merged into one region), `packet_meta` for [data_meta, data),
// `packet` for [data, data_end) (the interpreter's ldabs/ldind read the region named `packet`),
// `input` for raw memory. Each run replaces every region the previous run of any kind set.
// Also here: ContextState, what is kept per memory so that entering a context does only the
// work the previous run made necessary.
//
// The frame is the buffer the packet lives in ([hard start, hard end)): helpers that move
// data/data_end (xdp_adjust_head/tail/meta, skb_change_head/tail...) must stay inside it.

import { RunError } from '../../errors.js';
import { CTX_BASE, CTX_SIZE, DATA_BASE, PACKET_BASE } from '../layout.js';
import type { Region, VmMemory } from '../memory.js';
import type { ContextField, ContextFields, ContextLayout } from './types.js';

export interface PacketFrame {
  /** First byte the packet may grow into (data_hard_start). */
  readonly start: number;
  /** End of the room the packet may grow into (exclusive). */
  readonly end: number;
  /** Whether programs may write the packet directly. */
  readonly writable: boolean;
  /** The context the frame belongs to. */
  readonly kind: 'xdp' | 'skb';
  /** Offsets in the context of the fields holding the data and data_end addresses. */
  readonly dataField: number;
  readonly endField: number;
}

const NO_REGIONS: readonly Region[] = Object.freeze([]);

interface MutableRegion {
  readonly name: string;
  start: number;
  end: number;
  writable: boolean;
}

/**
 * What the context code keeps per memory between runs, so a run zeroes only what earlier runs
 * can have written and installs only the regions that changed. The kernel gives every test run
 * a fresh frame and context; here every byte of the packet area ([PACKET_BASE, DATA_BASE +
 * capacity)) outside [dirtyLo, dirtyHi), and of the context area past ctxDirty, is zero, so
 * entering a context zeroes those ranges (minus what it is about to overwrite) and nothing else.
 * Runs write only inside their regions (the interpreter checks it, the verifier proves it for
 * compiled code), and every helper that moves the packet's boundaries goes through
 * setPacketRegions, which widens the dirty range to them.
 */
export class ContextState {
  /** The packet frame of the run in progress (undefined for contexts without a packet). */
  frame: PacketFrame | undefined = undefined;
  /** The context regions installed now (an array of a context kind, compared by identity). */
  installed: readonly Region[] = NO_REGIONS;
  /** Which per-run regions are set: packet, packet_meta, input. */
  hasPacket = false;
  hasMeta = false;
  hasInput = false;
  /**
   * The packet and packet_meta regions, set once and then moved in place: a run of a small
   * program costs about what finding a region by name and allocating a new one costs. Regions
   * are read when used (MemAccess re-reads them after every helper call), never kept.
   */
  readonly packet: MutableRegion = { name: 'packet', start: 0, end: 0, writable: false };
  readonly meta: MutableRegion = { name: 'packet_meta', start: 0, end: 0, writable: false };
  dirtyLo: number;
  dirtyHi: number;
  /** Bytes from CTX_BASE on that may be nonzero. */
  ctxDirty = CTX_SIZE;

  constructor(memory: VmMemory) {
    // Unknown until the first run cleans it: all of it.
    this.dirtyLo = PACKET_BASE;
    this.dirtyHi = DATA_BASE + memory.dataCapacity;
  }
}

const states = new WeakMap<VmMemory, ContextState>();

/** The context bookkeeping of `memory`. */
export function contextState(memory: VmMemory): ContextState {
  let s = states.get(memory);
  if (s === undefined) {
    s = new ContextState(memory);
    states.set(memory, s);
  }
  return s;
}

/** The packet frame of the run in progress (undefined for contexts without a packet). */
export function packetFrameOf(memory: VmMemory): PacketFrame | undefined {
  return states.get(memory)?.frame;
}

/**
 * Replace the regions of the previous context run by `regions` (a context kind's own array,
 * kept as long as the same one is installed again); remember the frame. The per-run regions go:
 * packet contexts set theirs right after with setPacketRegions, raw memory with setInput.
 */
export function installRegions(
  memory: VmMemory,
  state: ContextState,
  regions: readonly Region[],
  frame: PacketFrame | undefined,
): void {
  if (state.installed !== regions) {
    for (const r of state.installed) memory.removeRegion(r.name);
    for (const r of regions) memory.setRegion(r);
    state.installed = regions;
  }
  if (state.hasInput) {
    memory.removeRegion('input');
    state.hasInput = false;
  }
  if (state.hasMeta) {
    memory.removeRegion('packet_meta');
    state.hasMeta = false;
  }
  // A packet context replaces the packet region in place.
  if (frame === undefined && state.hasPacket) {
    memory.removeRegion('packet');
    state.hasPacket = false;
  }
  state.frame = frame;
}

/**
 * The steady state of a hot loop, in one check: the last run was of the same kind, in the same
 * frame (`regions` and `frame` installed, only the packet region set), left nothing dirty before
 * `lo` (where the caller writes the packet from) and nothing past `ctxSize` in the context. Then
 * zero what it left past `end`, move the packet region to [data, end) and say so: all that
 * cleanPacketArea, installRegions and setPacketRegions would do. Otherwise change nothing (the
 * caller takes that general path).
 */
export function reenterPacket(
  memory: VmMemory,
  state: ContextState,
  regions: readonly Region[],
  frame: PacketFrame,
  lo: number,
  data: number,
  end: number,
  ctxSize: number,
): boolean {
  if (state.frame !== frame || state.installed !== regions || state.dirtyLo !== lo) return false;
  if (state.hasMeta || state.hasInput || !state.hasPacket || state.ctxDirty > ctxSize) {
    return false;
  }
  if (state.dirtyHi > end) memory.zero(end, state.dirtyHi);
  state.dirtyHi = end;
  state.ctxDirty = ctxSize;
  const packet = state.packet;
  packet.start = data;
  packet.end = end;
  return true;
}

/**
 * Set the packet regions to [meta, data) and [data, end). Called at entry and by helpers that
 * move the packet's boundaries (the interpreter re-reads regions after every helper call).
 */
export function setPacketRegions(
  memory: VmMemory,
  meta: number,
  data: number,
  end: number,
  writable: boolean,
): void {
  setPacketRegionsOf(memory, contextState(memory), meta, data, end, writable);
}

/** setPacketRegions with the state at hand. */
export function setPacketRegionsOf(
  memory: VmMemory,
  state: ContextState,
  meta: number,
  data: number,
  end: number,
  writable: boolean,
): void {
  const packet = state.packet;
  packet.start = data;
  packet.end = end;
  packet.writable = writable;
  if (!state.hasPacket) {
    memory.setRegion(packet);
    state.hasPacket = true;
  }
  if (meta < data) {
    const m = state.meta;
    m.start = meta;
    m.end = data;
    m.writable = writable;
    if (!state.hasMeta) {
      memory.setRegion(m);
      state.hasMeta = true;
    }
  } else if (state.hasMeta) {
    memory.removeRegion('packet_meta');
    state.hasMeta = false;
  }
  // The program may write anywhere in the new regions.
  if (meta < state.dirtyLo) state.dirtyLo = meta;
  if (end > state.dirtyHi) state.dirtyHi = end;
}

/**
 * Make the packet area zero outside [lo, hi) (which the caller fills next) and note [lo, hi)
 * as what the coming run may have written.
 */
export function cleanPacketArea(
  memory: VmMemory,
  state: ContextState,
  lo: number,
  hi: number,
): void {
  const { dirtyLo, dirtyHi } = state;
  if (dirtyLo < dirtyHi) {
    if (dirtyLo < lo) memory.zero(dirtyLo, Math.min(dirtyHi, lo));
    if (dirtyHi > hi) memory.zero(Math.max(dirtyLo, hi), dirtyHi);
  }
  state.dirtyLo = lo;
  state.dirtyHi = hi;
}

/** Widen the packet area's dirty range by [lo, hi) (data written without zeroing around it). */
export function dirtyPacketArea(state: ContextState, lo: number, hi: number): void {
  if (state.dirtyLo >= state.dirtyHi) {
    state.dirtyLo = lo;
    state.dirtyHi = hi;
    return;
  }
  if (lo < state.dirtyLo) state.dirtyLo = lo;
  if (hi > state.dirtyHi) state.dirtyHi = hi;
}

/**
 * Make the context area zero from CTX_BASE + `from` on (the bytes before it the caller writes
 * itself) and note that the coming run may write its first `size` bytes.
 */
export function cleanContext(
  memory: VmMemory,
  state: ContextState,
  from: number,
  size: number,
): void {
  const end = Math.max(state.ctxDirty, size);
  if (end > from) memory.zero(CTX_BASE + from, CTX_BASE + end);
  state.ctxDirty = size;
}

/** Note that the context area may be nonzero up to CTX_BASE + `end` (helpers staging data there). */
export function dirtyContext(memory: VmMemory, end: number): void {
  const state = contextState(memory);
  if (end > state.ctxDirty) state.ctxDirty = Math.min(end, CTX_SIZE);
}

/** Regions covering the accessible fields of a layout, relative to CTX_BASE, up to `limit` bytes. */
export function contextRegions(layout: ContextLayout, limit = layout.size): Region[] {
  const out: Region[] = [];
  let cur: { first: ContextField; start: number; end: number; write: boolean } | undefined;
  const flush = (last: string): void => {
    if (cur === undefined) return;
    const name = cur.first.name === last ? cur.first.name : `${cur.first.name}..${last}`;
    out.push({ name: `ctx:${name}`, start: cur.start, end: cur.end, writable: cur.write });
    cur = undefined;
  };
  let lastName = '';
  for (const f of layout.fields) {
    if (!f.read && !f.write) {
      flush(lastName);
      continue;
    }
    const start = CTX_BASE + f.offset;
    const end = CTX_BASE + Math.min(f.offset + f.size, limit);
    if (end <= start) {
      flush(lastName);
      continue;
    }
    if (cur !== undefined && cur.end === start && cur.write === f.write) cur.end = end;
    else {
      flush(lastName);
      cur = { first: f, start, end, write: f.write };
    }
    lastName = f.name;
  }
  flush(lastName);
  return out;
}

/** Copy the caller's context into the context area: raw bytes, or fields by name. */
export function writeContext(
  memory: VmMemory,
  state: ContextState,
  layout: ContextLayout,
  ctx: Uint8Array | ContextFields | undefined,
  size: number,
  settable: (field: ContextField) => boolean,
): void {
  cleanContext(memory, state, 0, Math.min(layout.size, CTX_SIZE));
  if (ctx === undefined) return;
  if (ctx instanceof Uint8Array) {
    if (ctx.length > size) {
      throw new RunError(
        'BAD_INPUT',
        `context of ${ctx.length} bytes is larger than ${layout.type} (${size} bytes)`,
      );
    }
    memory.bytes.set(ctx, CTX_BASE);
    return;
  }
  const view = memory.view;
  for (const [name, value] of Object.entries(ctx)) {
    const field = layout.fields.find((f) => f.name === name);
    if (field === undefined || !settable(field)) {
      throw new RunError('BAD_INPUT', `${layout.type} has no field '${name}' a caller can set`);
    }
    const at = CTX_BASE + field.offset;
    if (Array.isArray(value)) {
      const n = field.size / 4;
      if (value.length > n) {
        throw new RunError(
          'BAD_INPUT',
          `${layout.type}.${name} holds ${n} words, not ${value.length}`,
        );
      }
      value.forEach((v, i) => view.setUint32(at + i * 4, v >>> 0, true));
      continue;
    }
    const v = BigInt(value as number | bigint);
    if (field.size === 8) view.setBigUint64(at, BigInt.asUintN(64, v), true);
    else if (field.size === 4) view.setUint32(at, Number(BigInt.asUintN(32, v)), true);
    else if (field.size === 2) view.setUint16(at, Number(BigInt.asUintN(16, v)), true);
    else if (field.size === 1) view.setUint8(at, Number(BigInt.asUintN(8, v)));
    else throw new RunError('BAD_INPUT', `${layout.type}.${name} cannot be set from a number`);
  }
}

/**
 * Check that a packet of `bytes` bytes (plus the room around it, up to `end`) fits the data
 * area; throws INPUT_TOO_LARGE naming `what` ('an xdp frame', 'an skb', 'an input').
 */
export function checkFits(end: number, capacity: number, what: string, bytes: number): void {
  if (end > DATA_BASE + capacity) {
    throw new RunError(
      'INPUT_TOO_LARGE',
      `${what} of ${bytes} bytes needs ${end - DATA_BASE} bytes of the data area, which holds ${capacity}`,
    );
  }
}

/** A field description (terse constructor for the layout tables). */
export function field(
  name: string,
  offset: number,
  size: number,
  read: boolean,
  write: boolean,
  kind: ContextField['kind'] = 'scalar',
): ContextField {
  return Object.freeze({ name, offset, size, read, write, kind });
}
