// Raw memory, ubpf style: no context structure; r1 is the address of a copy of the caller's
// bytes (at DATA_BASE, writable), r2 their length. Programs of type 'unspec' and assembly or
// raw bytecode run this way.

import { RunError } from '../../errors.js';
import { DATA_BASE } from '../layout.js';
import type { Region, VmMemory } from '../memory.js';
import {
  type ContextState,
  checkFits,
  contextState,
  dirtyPacketArea,
  installRegions,
} from './regions.js';
import type { ContextInput, ContextKind, ContextOutput, EntryRegs, PacketEntry } from './types.js';

const NO_REGIONS: readonly Region[] = Object.freeze([]);

const EMPTY = new Uint8Array(0);

const rawPacketEntry: PacketEntry = {
  r1: DATA_BASE,
  enter(memory: VmMemory, state: ContextState, data: Uint8Array, capacity: number): number {
    checkFits(DATA_BASE + data.length, capacity, 'an input', data.length);
    // The input region stays (setInput moves it in place); the other contexts' regions go.
    state.hasInput = false;
    installRegions(memory, state, NO_REGIONS, undefined);
    // Only the input region is accessible: the bytes around it need not be zero, but the
    // packet contexts after this run must know what is no longer zero.
    dirtyPacketArea(state, DATA_BASE, DATA_BASE + data.length);
    memory.setInput(data);
    state.hasInput = true;
    return data.length;
  },
  outputStart(): number {
    return DATA_BASE;
  },
  outputEnd(memory: VmMemory): number {
    return DATA_BASE + memory.inputLength;
  },
  expose(): void {},
};

export const rawContext: ContextKind = {
  name: 'raw',
  layout: undefined,
  packetEntry: rawPacketEntry,
  enter(memory: VmMemory, input: ContextInput, capacity: number): EntryRegs {
    if (input.ctx !== undefined) {
      throw new RunError('BAD_INPUT', 'programs without a context take mem (or packet), not ctx');
    }
    if (input.mem !== undefined && input.packet !== undefined) {
      throw new RunError('BAD_INPUT', 'give mem or packet, not both');
    }
    const data = input.mem ?? input.packet ?? EMPTY;
    const r2 = rawPacketEntry.enter(memory, contextState(memory), data, capacity);
    return { r1: DATA_BASE, r2 };
  },
  leave(memory: VmMemory): ContextOutput {
    return { mem: memory.input(), ctx: new Uint8Array(0) };
  },
};
