// Turning a WebAssembly trap in JIT code into a RunError with a code and the eBPF instruction
// index, so a bare WebAssembly.RuntimeError never reaches a user.
//
// Two sources: traps the code raises itself (budget, call depth, fell off the end, ldabs out of
// range) store a kind and the pc in the scratch slots before `unreachable`; any other trap (a
// load or store outside the memory) is located from the error's stack: the first frame of a JIT
// module (named MODULE_NAME in its name section) gives a byte offset that the source map turns
// into a pc. If that frame is a call into a Wasm helper that trapped, the pc is the call's. AOT
// modules hold the map code and every program in one module, so they bring their own locator
// (by function index) to translateTrap.
// No binaryen here: the AOT runtime uses it too.

import { BpfError, type ErrorCode, RunError } from '../errors.js';
import { TRAP_KIND_SLOT, TRAP_PC_SLOT } from '../runtime/layout.js';
import type { VmMemory } from '../runtime/memory.js';
import { MODULE_NAME, TrapKind } from './abi.js';
import { type PcMap, pcAt } from './pcmap.js';

const FRAME = new RegExp(
  `wasm://wasm/${MODULE_NAME}-[0-9a-f]+:wasm-function\\[\\d+\\]:0x([0-9a-f]+)`,
);
const ANY_WASM_FRAME = /wasm:\/\/wasm\/([^:)\s]*):wasm-function\[\d+\]:0x[0-9a-f]+/;

const KIND_CODE: Record<TrapKind, ErrorCode> = {
  [TrapKind.BUDGET]: 'BUDGET_EXHAUSTED',
  [TrapKind.CALL_DEPTH]: 'CALL_DEPTH',
  [TrapKind.FELL_OFF_END]: 'FELL_OFF_END',
  [TrapKind.OUT_OF_BOUNDS]: 'OUT_OF_BOUNDS',
};

/** Where a trap happened, read from a RuntimeError's stack. */
export interface TrapSite {
  /** The eBPF instruction (slot index) executing, when known. */
  readonly pc: number | undefined;
  /** The trap was inside a Wasm helper (a map operation), called from `pc`. */
  readonly inHelper: boolean;
}

/** Finds the trap site in a stack trace. */
export type TrapLocator = (stack: string) => TrapSite;

/**
 * The JIT's locator: the first frame of a JIT module (named MODULE_NAME) gives the offset; a top
 * frame in another module is a Wasm helper's.
 */
export function jitLocator(pcMap: PcMap): TrapLocator {
  return (stack) => {
    const frame = FRAME.exec(stack);
    const pc = frame?.[1] !== undefined ? pcAt(pcMap, parseInt(frame[1], 16)) : undefined;
    const top = ANY_WASM_FRAME.exec(stack)?.[1] ?? '';
    return { pc, inHelper: top !== '' && !top.startsWith(`${MODULE_NAME}-`) };
  };
}

/** Map whatever a run threw to what the caller should see. BpfErrors pass unchanged. */
export function translateTrap(
  e: unknown,
  memory: VmMemory,
  locate: PcMap | TrapLocator,
  budget: number,
): unknown {
  if (e instanceof BpfError || !(e instanceof WebAssembly.RuntimeError)) return e;
  const view = memory.view;
  const kind = view.getInt32(TRAP_KIND_SLOT, true) as TrapKind | 0;
  if (kind !== 0) {
    view.setInt32(TRAP_KIND_SLOT, 0, true);
    const pc = view.getInt32(TRAP_PC_SLOT, true);
    const code = KIND_CODE[kind] ?? 'UNSUPPORTED';
    return new RunError(code, detailOf(code, budget), { insn: pc, cause: e });
  }
  const locator = typeof locate === 'function' ? locate : jitLocator(locate);
  const { pc, inHelper } = locator(e.stack ?? '');
  if (inHelper) {
    return new RunError('HELPER_FAILED', `a Wasm helper trapped: ${e.message}`, {
      insn: pc,
      cause: e,
    });
  }
  if (/out of bounds/.test(e.message)) {
    return new RunError('OUT_OF_BOUNDS', `memory access outside the VM memory (${e.message})`, {
      insn: pc,
      cause: e,
    });
  }
  return new RunError('UNSUPPORTED', `internal: unexpected WebAssembly trap: ${e.message}`, {
    insn: pc,
    cause: e,
  });
}

function detailOf(code: ErrorCode, budget: number): string | undefined {
  return code === 'BUDGET_EXHAUSTED' ? `instruction budget of ${budget} exhausted` : undefined;
}
