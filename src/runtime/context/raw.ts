// Raw memory, ubpf style: no context structure; r1 is the address of a copy of the caller's
// bytes (at DATA_BASE, writable), r2 their length. Programs of type 'unspec' and assembly or
// raw bytecode run this way.

import { RunError } from '../../errors.js';
import { DATA_BASE } from '../layout.js';
import type { VmMemory } from '../memory.js';
import { checkFits, installRegions } from './regions.js';
import type { ContextInput, ContextKind, ContextOutput, EntryRegs } from './types.js';

export const rawContext: ContextKind = {
  name: 'raw',
  layout: undefined,
  enter(memory: VmMemory, input: ContextInput, capacity: number): EntryRegs {
    if (input.ctx !== undefined) {
      throw new RunError('BAD_INPUT', 'programs without a context take mem (or packet), not ctx');
    }
    if (input.mem !== undefined && input.packet !== undefined) {
      throw new RunError('BAD_INPUT', 'give mem or packet, not both');
    }
    const data = input.mem ?? input.packet ?? new Uint8Array(0);
    checkFits(DATA_BASE + data.length, capacity, `an input of ${data.length} bytes`);
    installRegions(memory, [], undefined);
    const addr = memory.setInput(data);
    return { r1: addr, r2: data.length };
  },
  leave(memory: VmMemory): ContextOutput {
    return { mem: memory.input(), ctx: new Uint8Array(0) };
  },
};
