// The abstract machine state of the verifier: what each register holds (a type, for pointers
// the fixed and variable parts of the offset, for scalars the bounds), the stack of every call
// frame byte by byte, and the references (ring buffer records) that must be released before the
// program ends. Also the subsumption test used to prune: an already verified state that
// contains the current one makes exploring the current one unnecessary.

import type { MapDef } from '../elf/maps-def.js';
import { SCALAR_UNKNOWN, type Scalar, scalarConst, scalarEq, scalarWithin } from './bounds.js';

export type RegType =
  | 'not_init'
  | 'scalar'
  | 'ctx'
  | 'stack'
  | 'map_ptr'
  | 'map_ptr_or_null'
  | 'map_value'
  | 'map_value_or_null'
  | 'pkt'
  | 'pkt_end'
  | 'pkt_meta'
  | 'mem'
  | 'mem_or_null'
  | 'func';

export interface Reg {
  readonly type: RegType;
  /**
   * Scalars: the value. Pointers: the variable part of the offset (constant 0 when the offset
   * is fixed).
   */
  readonly v: Scalar;
  /** Fixed offset of a pointer from the start of its region. */
  readonly off: number;
  /** Identity shared by copies: null checks and packet range checks apply to all of them. */
  readonly id: number;
  /** Packet pointers: bytes proven readable from the pointer's base (off counted from there). */
  readonly range: number;
  /** Stack pointers: the frame they point into. Func: the target slot. */
  readonly frame: number;
  /** Map pointers and map values: the map. */
  readonly map: MapDef | null;
  /** Memory regions (mem, ringbuf records): size in bytes. */
  readonly size: number;
  /** Non-zero for memory that must be released (the reference id). */
  readonly ref: number;
}

export const STACK_SIZE = 512;

const ZERO = scalarConst(0n);

export const NOT_INIT: Reg = {
  type: 'not_init',
  v: SCALAR_UNKNOWN,
  off: 0,
  id: 0,
  range: 0,
  frame: 0,
  map: null,
  size: 0,
  ref: 0,
};

export const scalarReg = (v: Scalar): Reg => ({ ...NOT_INIT, type: 'scalar', v });
export const UNKNOWN_SCALAR: Reg = scalarReg(SCALAR_UNKNOWN);

export function ptrReg(type: RegType, fields: Partial<Reg> = {}): Reg {
  return { ...NOT_INIT, v: ZERO, type, ...fields };
}

export const isPointer = (r: Reg): boolean => r.type !== 'scalar' && r.type !== 'not_init';
export const isOrNull = (r: Reg): boolean =>
  r.type === 'map_value_or_null' || r.type === 'mem_or_null' || r.type === 'map_ptr_or_null';

/** What one stack byte holds. */
export const Slot = { INVALID: 0, MISC: 1, ZERO: 2, SPILL: 3 } as const;

export class Frame {
  readonly regs: Reg[];
  /** One Slot value per byte; byte i is at r10 - 512 + i. */
  readonly bytes: Uint8Array;
  /** Spilled registers by 8-byte slot (index = byte index / 8). */
  readonly spills: (Reg | undefined)[];
  constructor(
    /** Slot index of the call instruction that made the frame (-1 for the entry). */
    readonly callsite: number,
    /** Index of the subprogram the frame runs. */
    readonly subprog: number,
    regs?: Reg[],
    bytes?: Uint8Array,
    spills?: (Reg | undefined)[],
  ) {
    this.regs = regs ?? Array.from({ length: 11 }, () => NOT_INIT);
    this.bytes = bytes ?? new Uint8Array(STACK_SIZE);
    this.spills = spills ?? new Array<Reg | undefined>(STACK_SIZE / 8).fill(undefined);
  }
  /** Lowest byte index ever marked (bytes below it are all INVALID): bounds stack scans. */
  lo = STACK_SIZE;
  clone(): Frame {
    const f = new Frame(
      this.callsite,
      this.subprog,
      this.regs.slice(),
      this.bytes.slice(),
      this.spills.slice(),
    );
    f.lo = this.lo;
    return f;
  }
}

export class VState {
  constructor(
    readonly frames: Frame[],
    /** Unreleased references (ring buffer records), by id. */
    public refs: number[],
  ) {}
  get cur(): Frame {
    return this.frames[this.frames.length - 1] as Frame;
  }
  clone(): VState {
    return new VState(
      this.frames.map((f) => f.clone()),
      this.refs.slice(),
    );
  }
  /** Every register and spilled register of every frame, for id-wide updates. */
  forEachReg(fn: (r: Reg) => Reg): void {
    for (const f of this.frames) {
      for (let i = 0; i < f.regs.length; i++) f.regs[i] = fn(f.regs[i] as Reg);
      for (let i = 0; i < f.spills.length; i++) {
        const s = f.spills[i];
        if (s !== undefined) f.spills[i] = fn(s);
      }
    }
  }
}

/** Id correspondence between an old and a new state while comparing them. */
class IdMap {
  private readonly fwd = new Map<number, number>();
  private readonly back = new Map<number, number>();
  check(oldId: number, curId: number): boolean {
    if (oldId === 0 && curId === 0) return true;
    if (oldId === 0 || curId === 0) return false;
    const f = this.fwd.get(oldId);
    const b = this.back.get(curId);
    if (f === undefined && b === undefined) {
      this.fwd.set(oldId, curId);
      this.back.set(curId, oldId);
      return true;
    }
    return f === curId && b === oldId;
  }
}

/**
 * Every program behaviour possible from `cur` is possible from `old` (so if `old` was proven
 * safe, so is `cur`). `exact` asks for equality instead (infinite loop detection).
 */
function regSafe(old: Reg, cur: Reg, ids: IdMap, exact: boolean): boolean {
  if (old.type === 'not_init') return exact ? cur.type === 'not_init' : true;
  if (old.type !== cur.type) return false;
  if (old.type === 'scalar') {
    if (exact) return scalarEq(old.v, cur.v);
    // A scalar id links copies; the old state may rely on the link only if cur has it too.
    if (old.id !== 0 && !ids.check(old.id, cur.id)) return false;
    return scalarWithin(old.v, cur.v);
  }
  if (
    old.off !== cur.off ||
    old.map !== cur.map ||
    old.frame !== cur.frame ||
    old.size !== cur.size
  ) {
    return false;
  }
  if (exact ? !scalarEq(old.v, cur.v) : !scalarWithin(old.v, cur.v)) return false;
  if (old.type === 'pkt' || old.type === 'pkt_meta') {
    if (exact ? old.range !== cur.range : old.range > cur.range) return false;
  }
  if (!ids.check(old.id, cur.id)) return false;
  if (!ids.check(old.ref, cur.ref)) return false;
  return true;
}

function frameSafe(old: Frame, cur: Frame, ids: IdMap, exact: boolean): boolean {
  if (old.callsite !== cur.callsite) return false;
  for (let i = 0; i < 11; i++) {
    if (!regSafe(old.regs[i] as Reg, cur.regs[i] as Reg, ids, exact)) return false;
  }
  for (let i = Math.min(old.lo, cur.lo); i < STACK_SIZE; i++) {
    const o = old.bytes[i] as number;
    const c = cur.bytes[i] as number;
    if (o === Slot.INVALID) {
      if (exact && c !== Slot.INVALID) return false;
      continue;
    }
    if (o === Slot.SPILL) {
      if (c !== Slot.SPILL) {
        // A spilled constant zero read back is the same as zeroed bytes read back.
        const os = old.spills[i >> 3] as Reg;
        if (!exact && c === Slot.ZERO && os.type === 'scalar' && scalarWithin(os.v, ZERO)) {
          continue;
        }
        if (
          !exact &&
          c === Slot.MISC &&
          os.type === 'scalar' &&
          scalarWithin(os.v, SCALAR_UNKNOWN)
        ) {
          continue;
        }
        return false;
      }
      if (
        (i & 7) === 0 &&
        !regSafe(old.spills[i >> 3] as Reg, cur.spills[i >> 3] as Reg, ids, exact)
      ) {
        return false;
      }
      continue;
    }
    if (exact) {
      if (o !== c) return false;
      continue;
    }
    if (o === Slot.MISC) {
      if (c === Slot.INVALID) return false;
      if (c === Slot.SPILL && (cur.spills[i >> 3] as Reg).type !== 'scalar') return false;
      continue;
    }
    // o === ZERO
    if (c === Slot.ZERO) continue;
    if (c === Slot.SPILL) {
      const cs = cur.spills[i >> 3] as Reg;
      if (cs.type === 'scalar' && scalarWithin(ZERO, cs.v)) continue;
    }
    return false;
  }
  return true;
}

export function statesEqual(old: VState, cur: VState, exact: boolean): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  if (old.refs.length !== cur.refs.length) return false;
  const ids = new IdMap();
  for (let i = 0; i < old.frames.length; i++) {
    if (!frameSafe(old.frames[i] as Frame, cur.frames[i] as Frame, ids, exact)) return false;
  }
  for (let i = 0; i < old.refs.length; i++) {
    if (!ids.check(old.refs[i] as number, cur.refs[i] as number)) return false;
  }
  return true;
}

/**
 * Widen `cur` against `old` (both at a callback call site, `old` still in progress): scalars and
 * stack bytes that changed become unknown, so the iterations of a callback converge. Returns
 * false when the states differ in more than that (then no widening applies).
 */
export function widenInto(old: VState, cur: VState): boolean {
  if (old.frames.length !== cur.frames.length || old.refs.length !== cur.refs.length) return false;
  for (let fi = 0; fi < old.frames.length; fi++) {
    const o = old.frames[fi] as Frame;
    const c = cur.frames[fi] as Frame;
    if (o.callsite !== c.callsite) return false;
    for (let i = 0; i < 11; i++) {
      const a = o.regs[i] as Reg;
      const b = c.regs[i] as Reg;
      if (a.type === 'scalar' && b.type === 'scalar' && !scalarWithin(a.v, b.v))
        c.regs[i] = UNKNOWN_SCALAR;
    }
    for (let slot = 0; slot < STACK_SIZE / 8; slot++) {
      const a = o.spills[slot];
      const b = c.spills[slot];
      if (
        a !== undefined &&
        b !== undefined &&
        a.type === 'scalar' &&
        b.type === 'scalar' &&
        !scalarWithin(a.v, b.v)
      ) {
        c.spills[slot] = UNKNOWN_SCALAR;
      }
    }
    for (let i = Math.min(o.lo, c.lo); i < STACK_SIZE; i++) {
      const a = o.bytes[i] as number;
      const b = c.bytes[i] as number;
      if (a !== b && a !== Slot.SPILL && b !== Slot.SPILL && b !== Slot.INVALID)
        c.bytes[i] = Slot.MISC;
    }
  }
  return true;
}
