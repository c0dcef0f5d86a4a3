// The VM's linear memory: one WebAssembly.Memory, typed views over it, and the list of regions
// a program may touch. The interpreter checks every access against the regions; JIT code is
// confined by Wasm's own bounds checks (and, for verified programs, by the verifier).
//
// Speed matters here: the object run loop touches the memory a few times per run, so a run of a
// small program costs about what these accessors cost. The views are cached and renewed only
// when a grow detached their buffer (a detached view has length 0: one field read, where
// comparing against `memory.buffer` calls WebAssembly.Memory's C++ accessor, ~35 ns each time).
// Zeroing goes through a tiny Wasm module's `memory.fill` (~2 ns for a 512-byte frame, against
// ~25 ns of fixed cost for TypedArray.prototype.fill), and the stack keeps track of how many of
// its frames the runs since the last clearing may have written.

import { RunError } from '../errors.js';
import {
  DATA_BASE,
  DEFAULT_DATA_CAPACITY,
  FRAME_SIZE,
  MAX_FRAMES,
  STACK_BASE,
  STACK_END,
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

/**
 * (module (import "e" "m" (memory 0))
 *   (func (export "z") (param $at i32) (param $len i32)
 *     (memory.fill (local.get $at) (i32.const 0) (local.get $len))))
 */
// prettier-ignore
const ZERO_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, // type 0: (i32, i32) -> ()
  0x02, 0x08, 0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x00, 0x00, // import e.m: memory, min 0
  0x03, 0x02, 0x01, 0x00, // function 0: type 0
  0x07, 0x05, 0x01, 0x01, 0x7a, 0x00, 0x00, // export "z": function 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, // code: 1 body of 11 bytes, no locals
  0x20, 0x00, 0x41, 0x00, 0x20, 0x01, 0xfc, 0x0b, 0x00, 0x0b, // local.get 0, i32.const 0, local.get 1, memory.fill, end
]);

let zeroModule: WebAssembly.Module | null | undefined;

/** `memory.fill(at, 0, len)` on `memory`, or undefined where bulk memory is missing. */
function wasmZero(memory: WebAssembly.Memory): ((at: number, len: number) => void) | undefined {
  try {
    zeroModule ??= new WebAssembly.Module(ZERO_MODULE);
  } catch {
    zeroModule = null;
  }
  if (zeroModule === null) return undefined;
  const instance = new WebAssembly.Instance(zeroModule, { e: { m: memory } });
  return instance.exports.z as (at: number, len: number) => void;
}

const STACK_BYTES = STACK_END - STACK_BASE;

export class VmMemory {
  readonly memory: WebAssembly.Memory;
  /** Views are replaced when the memory grows; read them through the getters. */
  private u8: Uint8Array;
  private dv: DataView;
  private regions: Region[] = [];
  /** The input/packet region currently exposed to programs. */
  private dataLength = 0;
  private readonly fill: ((at: number, len: number) => void) | undefined;
  /** The region setInput exposes, and whether it is in `regions`. */
  private readonly inputRegion = {
    name: 'input',
    start: DATA_BASE,
    end: DATA_BASE,
    writable: true,
  };
  private inputSet = false;
  /** Bytes from STACK_BASE on that may be nonzero (all of it until the first clearing). */
  private stackDirty = STACK_BYTES;

  /** Bytes available for input/packet data at DATA_BASE; maps are placed after it. */
  readonly dataCapacity: number;

  constructor(dataCapacity: number = DEFAULT_DATA_CAPACITY) {
    this.dataCapacity = dataCapacity;
    const pages = memoryPagesFor(dataCapacity);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: 65536 });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    this.fill = wasmZero(this.memory);
  }

  get bytes(): Uint8Array {
    // A grow detaches the old buffer, and a detached view has length 0 (the memory never has).
    if (this.u8.length === 0) this.refresh();
    return this.u8;
  }

  get view(): DataView {
    if (this.u8.length === 0) this.refresh();
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
    if (end <= this.bytes.length) return;
    const have = this.memory.buffer.byteLength;
    const pages = Math.ceil((end - have) / WASM_PAGE);
    try {
      this.memory.grow(pages);
    } catch (cause) {
      throw new RunError('INPUT_TOO_LARGE', `cannot grow memory to ${end} bytes`, { cause });
    }
    this.refresh();
  }

  /** Zero [start, end) (unchecked: callers pass ranges inside the memory). */
  zero(start: number, end: number): void {
    if (end <= start) return;
    if (this.fill !== undefined) this.fill(start, end - start);
    else this.bytes.fill(0, start, end);
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
    // Our own region object, moved in place while it is in the list (see setRegion).
    this.inputRegion.end = DATA_BASE + data.length;
    if (!this.inputSet) {
      this.setRegion(this.inputRegion);
      this.inputSet = true;
    }
    return DATA_BASE;
  }

  /** Bytes of the input region (what setInput last copied in). */
  get inputLength(): number {
    return this.dataLength;
  }

  /** The input region's current contents (after a run: what the program left there). */
  input(): Uint8Array {
    return this.bytes.slice(DATA_BASE, DATA_BASE + this.dataLength);
  }

  /** Add or replace a region by name. */
  setRegion(region: Region): void {
    if (region.name === 'input') this.inputSet = region === this.inputRegion;
    const regions = this.regions;
    for (let i = 0; i < regions.length; i++) {
      if (regions[i]!.name === region.name) {
        regions[i] = region;
        return;
      }
    }
    regions.push(region);
  }

  removeRegion(name: string): void {
    if (name === 'input') this.inputSet = false;
    const regions = this.regions;
    for (let i = 0; i < regions.length; i++) {
      if (regions[i]!.name === name) {
        regions.splice(i, 1);
        return;
      }
    }
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
    this.zero(STACK_BASE, STACK_END);
    // Whatever runs next may write any frame.
    this.stackDirty = STACK_BYTES;
  }

  /**
   * Give the next run a clean stack, as clearStack does, zeroing only the frames the runs since
   * the last clearing may have written, and note that the next run may write its first
   * `frames` frames (1 for a program without bpf-to-bpf calls or callbacks).
   */
  freshStack(frames: number): void {
    if (this.stackDirty > 0) this.zero(STACK_BASE, STACK_BASE + this.stackDirty);
    this.stackDirty = Math.min(Math.max(frames, 1), MAX_FRAMES) * FRAME_SIZE;
  }
}

const STACK_REGION: Region = Object.freeze({
  name: 'stack',
  start: STACK_BASE,
  end: STACK_BASE + FRAME_SIZE * MAX_FRAMES,
  writable: true,
});
