// The VmMemory regions a context run exposes, and the packet frame helpers work within.
//
// Region names: `ctx:<fields>` for the accessible parts of the context (adjacent fields with the
// same read/write rights merged into one region), `packet_meta` for [data_meta, data),
// `packet` for [data, data_end) (the interpreter's ldabs/ldind read the region named `packet`),
// `input` for raw memory. Each run replaces every region the previous run of any kind set.
//
// The frame is the buffer the packet lives in ([hard start, hard end)): helpers that move
// data/data_end (xdp_adjust_head/tail/meta, skb_change_head/tail...) must stay inside it.

import { RunError } from '../../errors.js';
import { CTX_BASE, CTX_SIZE, DATA_BASE } from '../layout.js';
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

const frames = new WeakMap<VmMemory, PacketFrame>();
const owned = new WeakMap<VmMemory, string[]>();

/** The packet frame of the run in progress (undefined for contexts without a packet). */
export function packetFrameOf(memory: VmMemory): PacketFrame | undefined {
  return frames.get(memory);
}

/** Replace the regions of the previous context run by `regions`; remember the frame. */
export function installRegions(
  memory: VmMemory,
  regions: readonly Region[],
  frame: PacketFrame | undefined,
): void {
  for (const name of owned.get(memory) ?? []) memory.removeRegion(name);
  memory.removeRegion('input');
  memory.removeRegion('packet');
  memory.removeRegion('packet_meta');
  for (const r of regions) memory.setRegion(r);
  owned.set(
    memory,
    regions.map((r) => r.name),
  );
  if (frame === undefined) frames.delete(memory);
  else frames.set(memory, frame);
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
  memory.setRegion({ name: 'packet', start: data, end, writable });
  if (meta < data) memory.setRegion({ name: 'packet_meta', start: meta, end: data, writable });
  else memory.removeRegion('packet_meta');
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
  layout: ContextLayout,
  ctx: Uint8Array | ContextFields | undefined,
  size: number,
  settable: (field: ContextField) => boolean,
): void {
  memory.bytes.fill(0, CTX_BASE, CTX_BASE + CTX_SIZE);
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

/** Check that a packet (plus the room around it) fits the data area; throws INPUT_TOO_LARGE. */
export function checkFits(end: number, capacity: number, what: string): void {
  if (end > DATA_BASE + capacity) {
    throw new RunError(
      'INPUT_TOO_LARGE',
      `${what} needs ${end - DATA_BASE} bytes of the data area, which holds ${capacity}`,
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
