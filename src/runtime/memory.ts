// The VM's linear memory: one WebAssembly.Memory, typed views over it, and the list of regions
// a program may touch. The interpreter checks every access against the regions; JIT code is
// confined by Wasm's own bounds checks (and, for verified programs, by the verifier).

import { RunError } from '../errors.js';
import {
  DATA_BASE,
  DEFAULT_DATA_CAPACITY,
  FRAME_SIZE,
  MAX_FRAMES,
  STACK_BASE,
  WASM_PAGE,
  memoryPagesFor,
} from './layout.js';

export interface Region {
  readonly name: string;
  readonly start: number;
  /** Exclusive end. */
  readonly end: number;
  readonly writable: boolean;
}

export class VmMemory {
  readonly memory: WebAssembly.Memory;
  /** Views are replaced when the memory grows; read them through the getters. */
  private u8: Uint8Array;
  private dv: DataView;
  private regions: Region[] = [];
  /** The input/packet region currently exposed to programs. */
  private dataLength = 0;

  /** Bytes available for input/packet data at DATA_BASE; maps are placed after it. */
  readonly dataCapacity: number;

  constructor(dataCapacity: number = DEFAULT_DATA_CAPACITY) {
    this.dataCapacity = dataCapacity;
    const pages = memoryPagesFor(dataCapacity);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: 65536 });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
  }

  get bytes(): Uint8Array {
    if (this.u8.buffer !== this.memory.buffer) this.refresh();
    return this.u8;
  }

  get view(): DataView {
    if (this.dv.buffer !== this.memory.buffer) this.refresh();
    return this.dv;
  }

  get size(): number {
    return this.memory.buffer.byteLength;
  }

  private refresh(): void {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
  }

  /** Make sure the memory holds at least `end` bytes. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / WASM_PAGE);
    try {
      this.memory.grow(pages);
    } catch (cause) {
      throw new RunError('INPUT_TOO_LARGE', `cannot grow memory to ${end} bytes`, { cause });
    }
    this.refresh();
  }

  /**
   * Copy `data` into the data area and expose it as the "input" region.
   * Returns its address. An empty input still gets a valid (empty) address.
   */
  setInput(data: Uint8Array): number {
    if (data.length > this.dataCapacity) {
      throw new RunError(
        'INPUT_TOO_LARGE',
        `input of ${data.length} bytes exceeds the data capacity of ${this.dataCapacity} bytes`,
      );
    }
    this.ensure(DATA_BASE + data.length);
    this.bytes.set(data, DATA_BASE);
    this.dataLength = data.length;
    this.setRegion({
      name: 'input',
      start: DATA_BASE,
      end: DATA_BASE + data.length,
      writable: true,
    });
    return DATA_BASE;
  }

  /** The input region's current contents (after a run: what the program left there). */
  input(): Uint8Array {
    return this.bytes.slice(DATA_BASE, DATA_BASE + this.dataLength);
  }

  /** Add or replace a region by name. */
  setRegion(region: Region): void {
    const i = this.regions.findIndex((r) => r.name === region.name);
    if (i >= 0) this.regions[i] = region;
    else this.regions.push(region);
  }

  removeRegion(name: string): void {
    this.regions = this.regions.filter((r) => r.name !== name);
  }

  /** The regions other than the stack, for engines that check accesses. */
  listRegions(): readonly Region[] {
    return this.regions;
  }

  /**
   * Find the region holding [addr, addr+len) for an access from call depth `depth`
   * (stack frames 0..depth are live). Returns null when no region holds it.
   */
  regionOf(addr: number, len: number, write: boolean, depth = MAX_FRAMES - 1): Region | null {
    const end = addr + len;
    const stackEnd = STACK_BASE + FRAME_SIZE * (depth + 1);
    if (addr >= STACK_BASE && end <= stackEnd) return STACK_REGION;
    for (const r of this.regions) {
      if (addr >= r.start && end <= r.end && (r.writable || !write)) return r;
    }
    return null;
  }

  /** Throw OUT_OF_BOUNDS unless [addr, addr+len) is inside a region. */
  check(addr: number, len: number, write: boolean, pc?: number, depth?: number): void {
    if (this.regionOf(addr, len, write, depth) === null) {
      throw new RunError(
        'OUT_OF_BOUNDS',
        `${write ? 'write' : 'read'} of ${len} bytes at 0x${addr.toString(16)} is outside every region`,
        { insn: pc },
      );
    }
  }

  /** A copy of [addr, addr+len), checked. */
  read(addr: number, len: number, pc?: number): Uint8Array {
    this.check(addr, len, false, pc);
    return this.bytes.slice(addr, addr + len);
  }

  /** Write `data` at addr, checked. */
  write(addr: number, data: Uint8Array, pc?: number): void {
    this.check(addr, data.length, true, pc);
    this.bytes.set(data, addr);
  }

  /** Zero the stack area (each run starts with a clean stack in both engines). */
  clearStack(): void {
    this.bytes.fill(0, STACK_BASE, STACK_BASE + FRAME_SIZE * MAX_FRAMES);
  }
}

const STACK_REGION: Region = Object.freeze({
  name: 'stack',
  start: STACK_BASE,
  end: STACK_BASE + FRAME_SIZE * MAX_FRAMES,
  writable: true,
});
