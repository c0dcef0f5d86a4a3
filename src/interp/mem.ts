// Checked memory access for the interpreter: effective-address computation and the region check
// every load, store and atomic goes through. The last region hit is cached, so a run of accesses
// to the same buffer (the usual case) costs three comparisons and no call into VmMemory.

import { RunError } from '../errors.js';
import { frameTop } from '../runtime/layout.js';
import type { Region, VmMemory } from '../runtime/memory.js';

const TWO32 = 0x1_0000_0000;

export class MemAccess {
  /** View of the VM memory; replaced by `reset` when the memory has grown. */
  dv: DataView;
  /** Current call depth: stack frames 0..depth are accessible. */
  depth = 0;
  private cStart = 0;
  private cEnd = 0;
  private cWritable = false;

  constructor(private readonly memory: VmMemory) {
    this.dv = memory.view;
  }

  /**
   * Re-read the view and forget the cached region. Called at the start of a run, after every
   * helper call (a helper may grow the memory or change the regions) and when the depth changes.
   */
  reset(): void {
    this.dv = this.memory.view;
    this.cStart = 0;
    this.cEnd = 0;
    this.cWritable = false;
  }

  /**
   * Address of `len` bytes at (hi:lo) + off, the 64-bit register value plus the signed offset.
   * The address is the low 32 bits of the sum, and only valid when the whole 64-bit sum fits in
   * 32 bits; the access must lie inside one region.
   * @throws RunError OUT_OF_BOUNDS naming instruction `pc`.
   */
  ea(hi: number, lo: number, off: number, len: number, write: boolean, pc: number): number {
    const a = lo + off;
    if (hi === 0 && a >= 0 && a < TWO32) {
      if (a >= this.cStart && a + len <= this.cEnd && (this.cWritable || !write)) return a;
      return this.lookup(a, len, write, pc);
    }
    return this.wide(hi, a, len, write, pc);
  }

  /** The 64-bit sum carried into or out of the high half: valid only if that lands on 0. */
  private wide(hi: number, a: number, len: number, write: boolean, pc: number): number {
    let h = hi;
    let l = a;
    if (l < 0) {
      l += TWO32;
      h = (h - 1) >>> 0;
    } else if (l >= TWO32) {
      l -= TWO32;
      h = (h + 1) >>> 0;
    }
    if (h !== 0) {
      const addr = (BigInt(h) << 32n) | BigInt(l);
      throw outOfBounds(`0x${addr.toString(16)}`, len, write, pc);
    }
    return this.lookup(l, len, write, pc);
  }

  private lookup(a: number, len: number, write: boolean, pc: number): number {
    const region = this.memory.regionOf(a, len, write, this.depth);
    if (region === null) throw outOfBounds(`0x${a.toString(16)}`, len, write, pc);
    this.cache(region);
    return a;
  }

  private cache(region: Region): void {
    this.cStart = region.start;
    // The stack region spans all 8 frames; only frames 0..depth may be touched.
    this.cEnd = region.name === 'stack' ? Math.min(region.end, frameTop(this.depth)) : region.end;
    this.cWritable = region.writable;
  }

  /**
   * Address of `len` bytes at offset (hi:lo) + imm into the packet (legacy ldabs/ldind): the
   * 'packet' region when a program context set one, otherwise the 'input' region.
   * @throws RunError OUT_OF_BOUNDS when the offset is negative or runs past the data, or, when
   * `soft`, returns -1 instead.
   */
  packet(hi: number, lo: number, imm: number, len: number, pc: number, soft = false): number {
    let region: Region | undefined;
    for (const r of this.memory.listRegions()) {
      if (r.name === 'packet') {
        region = r;
        break;
      }
      if (r.name === 'input') region = r;
    }
    let off = lo + imm;
    let h = hi;
    if (off < 0) {
      off += TWO32;
      h = (h - 1) >>> 0;
    } else if (off >= TWO32) {
      off -= TWO32;
      h = (h + 1) >>> 0;
    }
    if (region === undefined || h !== 0 || off + len > region.end - region.start) {
      if (soft) return -1;
      const where = (BigInt(h) << 32n) | BigInt(off);
      throw new RunError(
        'OUT_OF_BOUNDS',
        `packet read of ${len} bytes at offset 0x${where.toString(16)} is outside the packet` +
          ` (${region === undefined ? 'no packet' : `${region.end - region.start} bytes`})`,
        { insn: pc },
      );
    }
    return region.start + off;
  }
}

function outOfBounds(addr: string, len: number, write: boolean, pc: number): RunError {
  return new RunError(
    'OUT_OF_BOUNDS',
    `${write ? 'write' : 'read'} of ${len} bytes at ${addr} is outside every region`,
    { insn: pc },
  );
}
