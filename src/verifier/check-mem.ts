// Memory accesses: every load, store and atomic must stay inside the region its pointer points
// to. Context fields by the program type's layout, the stack of the pointed-to frame (byte by
// byte: written before read, registers spilled and filled whole), map values within value_size
// and not written when the map is read-only to programs, packets within the range proven by a
// comparison with data_end, and memory regions (ring buffer records) within their size.

import { BPF_F_RDONLY_PROG } from '../elf/maps-def.js';
import {
  type Scalar,
  isConst,
  scalarConst,
  scalarSRange,
  scalarURange,
  SCALAR_UNKNOWN,
} from './bounds.js';
import { type Env, fail } from './env.js';
import { Frame, ptrReg, type Reg, scalarReg, Slot, STACK_SIZE, type VState } from './state.js';
import { MAX_VAR_OFF } from './check-alu.js';

export type AccessKind = 'read' | 'write' | 'atomic';

/** MAX_PACKET_OFF: packet offsets beyond 64 KiB are never provable. */
const MAX_PACKET_OFF = 0xffff;

export interface Access {
  readonly regno: number;
  readonly off: number;
  readonly size: number;
  readonly kind: AccessKind;
  /** Loads: sign-extend (ldxs). */
  readonly signed?: boolean;
  /** Stores: the value written (a register, or the immediate as a constant scalar). */
  readonly value?: Reg;
  readonly pc: number;
}

/** What a load of `size` bytes yields when nothing more is known. */
export function loadedScalar(size: number, signed: boolean): Reg {
  if (size === 8) return scalarReg(SCALAR_UNKNOWN);
  const bits = BigInt(size * 8);
  return scalarReg(
    signed
      ? scalarSRange(-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n)
      : scalarURange(0n, (1n << bits) - 1n),
  );
}

/** Check one access; returns the loaded register for reads (null for writes). */
export function checkAccess(env: Env, st: VState, reg: Reg, a: Access): Reg | null {
  const { regno, pc } = a;
  switch (reg.type) {
    case 'not_init':
      return fail('VERIFY_UNINIT_REG', `R${regno} !read_ok`, pc);
    case 'scalar':
    case 'map_ptr':
    case 'pkt_end':
    case 'func':
      return fail('VERIFY_INVALID_MEM', `R${regno} invalid mem access '${reg.type}'`, pc);
    case 'map_value_or_null':
    case 'mem_or_null':
    case 'map_ptr_or_null':
      return fail('VERIFY_MAYBE_NULL', `R${regno} invalid mem access '${reg.type}'`, pc);
    case 'ctx':
      return ctxAccess(env, reg, a);
    case 'stack':
      return stackAccess(env, st, reg, a);
    case 'map_value': {
      const map = reg.map;
      if (map === null) return fail('VERIFY_INVALID_MEM', `R${regno} map value of unknown map`, pc);
      // Device map entries are read-only to programs, as the kernel creates devmaps.
      const readOnly =
        (map.flags & BPF_F_RDONLY_PROG) !== 0 ||
        map.type === 'devmap' ||
        map.type === 'devmap_hash';
      if (a.kind !== 'read' && readOnly) {
        fail(
          'VERIFY_READONLY',
          `write into map forbidden, value_size=${map.valueSize} off=${reg.off + a.off} size=${a.size}`,
          pc,
        );
      }
      regionAccess(reg, a, map.valueSize, 'map value');
      return a.kind === 'write' ? null : loadedScalar(a.size, a.signed === true);
    }
    case 'mem':
      regionAccess(reg, a, reg.size, 'memory');
      return a.kind === 'write' ? null : loadedScalar(a.size, a.signed === true);
    case 'pkt':
    case 'pkt_meta': {
      if (a.kind === 'atomic')
        fail('VERIFY_INVALID_MEM', `BPF_ATOMIC stores into R${regno} packet are not allowed`, pc);
      if (reg.v.smin < 0n) {
        fail(
          'VERIFY_UNBOUNDED_OFFSET',
          `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
          pc,
        );
      }
      const off = reg.off + a.off;
      if (
        off < 0 ||
        off + a.size > reg.range ||
        reg.v.umax + BigInt(off + a.size) > BigInt(MAX_PACKET_OFF)
      ) {
        fail(
          'VERIFY_OUT_OF_BOUNDS',
          `invalid access to packet, off=${off} size=${a.size}, R${regno}(id=${reg.id},off=${reg.off},r=${reg.range})`,
          pc,
        );
      }
      return a.kind === 'write' ? null : loadedScalar(a.size, a.signed === true);
    }
  }
}

/** A region [0, size) reached through a fixed plus a variable offset. */
function regionAccess(reg: Reg, a: Access, size: number, what: string): void {
  const { regno, pc } = a;
  const v = reg.v;
  if (!isConst(v)) {
    if (v.smin < 0n) {
      fail(
        'VERIFY_UNBOUNDED_OFFSET',
        `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
        pc,
      );
    }
    if (v.umax >= BigInt(MAX_VAR_OFF)) {
      fail(
        'VERIFY_UNBOUNDED_OFFSET',
        `R${regno} unbounded memory access, make sure to bounds check any such access`,
        pc,
      );
    }
  }
  const lo = BigInt(reg.off + a.off) + v.smin;
  const hi = BigInt(reg.off + a.off + a.size) + v.umax;
  if (lo < 0n || hi > BigInt(size)) {
    fail(
      'VERIFY_OUT_OF_BOUNDS',
      `invalid access to ${what}, size=${size} off=${reg.off + a.off}${isConst(v) ? '' : `+[${v.smin},${v.umax}]`} access size=${a.size}`,
      pc,
    );
  }
}

function ctxAccess(env: Env, reg: Reg, a: Access): Reg | null {
  const { regno, pc } = a;
  if (reg.off !== 0 || !isConst(reg.v) || reg.v.t.value !== 0n) {
    fail(
      'VERIFY_CTX_ACCESS',
      `dereference of modified ctx ptr R${regno} off=${reg.off} disallowed`,
      pc,
    );
  }
  const layout = env.layout;
  if (layout === undefined)
    return fail('VERIFY_CTX_ACCESS', `program type ${env.progType} has no context`, pc);
  const off = a.off;
  const bad = (why: string): never =>
    fail('VERIFY_CTX_ACCESS', `invalid bpf_context access off=${off} size=${a.size}${why}`, pc);
  if (a.kind === 'atomic') bad(' (atomic)');
  if (off < 0 || off % a.size !== 0) bad('');
  const field = layout.fields.find((f) => off >= f.offset && off + a.size <= f.offset + f.size);
  if (field === undefined) return bad('');
  if (a.kind === 'read' && !field.read) bad(` (${field.name} is not readable)`);
  if (a.kind === 'write') {
    if (!field.write) bad(` (${field.name} is read-only)`);
    if (a.value !== undefined && a.value.type !== 'scalar')
      bad(' (pointer stored into the context)');
    return null;
  }
  if (field.kind !== 'scalar') {
    if (off !== field.offset || a.size !== field.size || a.signed === true)
      bad(` (${field.name} must be loaded whole)`);
    const type =
      field.kind === 'pkt_data' ? 'pkt' : field.kind === 'pkt_end' ? 'pkt_end' : 'pkt_meta';
    return ptrReg(type);
  }
  return loadedScalar(a.size, a.signed === true);
}

function stackAccess(env: Env, st: VState, reg: Reg, a: Access): Reg | null {
  const { regno, pc, size } = a;
  const frame = st.frames[reg.frame] as Frame;
  const base = reg.off + a.off;
  const v = reg.v;
  const lo = base + Number(v.smin);
  const hi = base + Number(v.smax) + size;
  if (!isConst(v) && (v.smin <= -BigInt(MAX_VAR_OFF) || v.smax >= BigInt(MAX_VAR_OFF))) {
    fail('VERIFY_UNBOUNDED_OFFSET', `R${regno} variable stack access with unbounded offset`, pc);
  }
  // The spill tracking relies on aligned accesses, as the kernel's (which checks this first).
  const lowBits = BigInt(size - 1);
  if ((BigInt(base) & lowBits) !== 0n || ((v.t.value | v.t.mask) & lowBits) !== 0n) {
    fail('VERIFY_MISALIGNED', `misaligned stack access off ${lo} size ${size}`, pc);
  }
  if (lo < -STACK_SIZE || hi > 0) {
    fail(
      'VERIFY_OUT_OF_BOUNDS',
      `invalid ${a.kind === 'read' ? 'read from' : 'write to'} stack R${regno} off=${lo} size=${size}`,
      pc,
    );
  }
  const sp = frame.subprog;
  env.stackDepth[sp] = Math.max(env.stackDepth[sp] ?? 0, -lo);
  const first = STACK_SIZE + lo;
  const last = STACK_SIZE + hi; // exclusive
  const fixed = isConst(v);
  if (a.kind === 'write' || a.kind === 'atomic') {
    if (a.kind === 'atomic') checkStackReadable(frame, first, last, regno, lo, size, pc);
    if (!fixed || a.kind === 'atomic') {
      markStack(frame, first, last, Slot.MISC);
      return a.kind === 'atomic' ? loadedScalar(size, false) : null;
    }
    const value = a.value;
    if (size === 8 && value !== undefined) {
      // A whole register spilled into an aligned slot keeps its full state.
      clearSpills(frame, first, last);
      if (first < frame.lo) frame.lo = first;
      frame.bytes.fill(Slot.SPILL, first, last);
      frame.spills[first >> 3] = value;
      return null;
    }
    const zero =
      value !== undefined && value.type === 'scalar' && isConst(value.v) && value.v.t.value === 0n;
    markStack(frame, first, last, zero ? Slot.ZERO : Slot.MISC);
    return null;
  }
  // reads
  if (!fixed) {
    checkStackReadable(frame, first, last, regno, lo, size, pc);
    return loadedScalar(size, a.signed === true);
  }
  const spill = frame.spills[first >> 3];
  if (spill !== undefined && frame.bytes[first] === Slot.SPILL) {
    if (size === 8) return spill;
    if (spill.type !== 'scalar') {
      fail(
        'VERIFY_INVALID_MEM',
        `invalid size of register fill: R${regno} reads ${size} bytes of a spilled ${spill.type}`,
        pc,
      );
    }
    // Part of a spilled constant: the bytes are known (little-endian).
    if (isConst(spill.v) && a.signed !== true) {
      const shift = BigInt((first & 7) * 8);
      const mask = (1n << BigInt(size * 8)) - 1n;
      return scalarReg(scalarConst((spill.v.t.value >> shift) & mask));
    }
    return loadedScalar(size, a.signed === true);
  }
  checkStackReadable(frame, first, last, regno, lo, size, pc);
  let allZero = true;
  for (let i = first; i < last; i++) if (frame.bytes[i] !== Slot.ZERO) allZero = false;
  return allZero ? scalarReg(scalarConst(0n)) : loadedScalar(size, a.signed === true);
}

function checkStackReadable(
  frame: Frame,
  first: number,
  last: number,
  regno: number,
  off: number,
  size: number,
  pc: number,
): void {
  for (let i = first; i < last; i++) {
    if (frame.bytes[i] === Slot.INVALID) {
      fail(
        'VERIFY_UNINIT_STACK',
        `invalid read from stack R${regno} off ${off}+${i - first} size ${size}`,
        pc,
      );
    }
  }
}

/** Drop spilled registers overlapping [first, last): their remaining bytes become plain data. */
function clearSpills(frame: Frame, first: number, last: number): void {
  for (let slot = first >> 3; slot < (last + 7) >> 3; slot++) {
    if (frame.spills[slot] === undefined) continue;
    frame.spills[slot] = undefined;
    for (let i = slot * 8; i < slot * 8 + 8; i++)
      if (frame.bytes[i] === Slot.SPILL) frame.bytes[i] = Slot.MISC;
  }
}

export function markStack(frame: Frame, first: number, last: number, kind: number): void {
  clearSpills(frame, first, last);
  if (first < frame.lo) frame.lo = first;
  frame.bytes.fill(kind, first, last);
}

/**
 * Memory a helper reads (`write` false) or fills: `size` bytes from the pointer in `reg`.
 * Stack bytes a helper fills become plain data.
 */
export function checkHelperMem(
  env: Env,
  st: VState,
  reg: Reg,
  regno: number,
  size: number,
  write: boolean,
  pc: number,
): void {
  if (size === 0) return;
  if (reg.type === 'stack') {
    const frame = st.frames[reg.frame] as Frame;
    const v: Scalar = reg.v;
    const lo = reg.off + Number(v.smin);
    const hi = reg.off + Number(v.smax) + size;
    if (!isConst(v) && (v.smin < -BigInt(STACK_SIZE) || v.smax > 0n)) {
      fail('VERIFY_UNBOUNDED_OFFSET', `R${regno} variable stack access with unbounded offset`, pc);
    }
    if (lo < -STACK_SIZE || hi > 0) {
      fail(
        'VERIFY_OUT_OF_BOUNDS',
        `invalid indirect access to stack R${regno} off=${lo} size=${size}`,
        pc,
      );
    }
    env.stackDepth[frame.subprog] = Math.max(env.stackDepth[frame.subprog] ?? 0, -lo);
    const first = STACK_SIZE + lo;
    const last = STACK_SIZE + hi;
    if (write && isConst(v)) markStack(frame, first, last, Slot.MISC);
    else {
      for (let i = first; i < last; i++) {
        if (frame.bytes[i] === Slot.INVALID) {
          fail(
            'VERIFY_UNINIT_STACK',
            `invalid indirect read from stack R${regno} off ${lo}+${i - first} size ${size}`,
            pc,
          );
        }
      }
      // Whatever the helper wrote, spilled pointers there are no longer what they were.
      if (write) markStack(frame, first, last, Slot.MISC);
    }
    return;
  }
  // Other regions: check as one access of `size` bytes (sizes above 8 are fine for regions).
  const a: Access = { regno, off: 0, size, kind: write ? 'write' : 'read', pc };
  if (reg.type === 'ctx') {
    fail('VERIFY_HELPER_ARG', `R${regno} type=ctx expected=fp, pkt, pkt_meta, map_value, mem`, pc);
  }
  checkAccess(env, st, reg, a);
}
