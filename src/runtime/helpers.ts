// Helpers: functions a program calls by id (`call 5`, or callx with the id in a register).
// One registry serves both engines. A helper reads its arguments r1-r5 from the ARGS_SLOT in
// linear memory (both engines write them there before the call) and returns r0.

import { RunError } from '../errors.js';
import { ARGS_SLOT } from './layout.js';
import type { VmMemory } from './memory.js';

export type ArgIndex = 1 | 2 | 3 | 4 | 5;

/**
 * Calls subprogram `fnPc` (its entry slot index) of the running program with r1-r5 and returns
 * its r0: how bpf_loop runs its callback. The callee gets a new stack frame (counted against
 * MAX_FRAMES) and the caller's registers are intact afterwards. Engines set it on the HelperCall
 * they pass to helpers.
 *
 * A function pointer in a register (`lddw rX, func <rel>`, lddw src = FUNC with imm relative to
 * the next slot, as libbpf emits it) holds the callee's entry slot index: both engines load
 * `callbackTarget(pc, imm)` for it, the way the kernel's verifier rewrites it into an address.
 */
export type CallbackHook = (
  fnPc: number,
  r1: bigint,
  r2: bigint,
  r3: bigint,
  r4: bigint,
  r5: bigint,
) => bigint;

/** The value `lddw rX, func <imm>` at slot `pc` loads: the callee's entry slot index. */
export function callbackTarget(pc: number, imm: number): number {
  return pc + 1 + imm;
}

/** What a helper sees of the call: its arguments and the VM memory. */
export class HelperCall {
  /** Slot index of the call instruction (for error messages). */
  pc = -1;
  /** Set by engines that can call back into the program (see CallbackHook). */
  callback: CallbackHook | undefined = undefined;
  constructor(readonly memory: VmMemory) {}

  /** Argument r`i` as an unsigned 64-bit value. */
  arg(i: ArgIndex): bigint {
    return this.memory.view.getBigUint64(ARGS_SLOT + (i - 1) * 8, true);
  }
  /** Low 32 bits of argument r`i`, unsigned. Pointers into VM memory are read this way. */
  u32(i: ArgIndex): number {
    return this.memory.view.getUint32(ARGS_SLOT + (i - 1) * 8, true);
  }
  /** Low 32 bits of argument r`i`, signed. */
  i32(i: ArgIndex): number {
    return this.memory.view.getInt32(ARGS_SLOT + (i - 1) * 8, true);
  }
}

/** A helper returns r0: a bigint (taken modulo 2^64) or an integer number (sign-extended). */
export type HelperFn = (call: HelperCall) => bigint | number;

export interface HelperDef {
  readonly id: number;
  readonly name: string;
  readonly fn: HelperFn;
  /**
   * Optional implementation inside WebAssembly (an exported function of a module that shares the
   * VM memory) with signature (r1 i64, r2 i64, r3 i64, r4 i64, r5 i64) -> i64. JIT code calls it
   * directly, never leaving Wasm; `fn` must compute the same thing (the interpreter uses it).
   */
  readonly wasm?: ((...args: bigint[]) => bigint) | undefined;
}

export class HelperRegistry {
  private readonly byId = new Map<number, HelperDef>();

  /** Add or replace the helper with this id. */
  register(id: number, fn: HelperFn, name = `helper_${id}`, wasm?: HelperDef['wasm']): this {
    if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new RunError('BAD_INPUT', `helper id ${id} is not a non-negative 32-bit integer`);
    }
    this.byId.set(id, Object.freeze({ id, name, fn, wasm }));
    return this;
  }

  unregister(id: number): boolean {
    return this.byId.delete(id);
  }

  get(id: number): HelperDef | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  list(): readonly HelperDef[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /**
   * Call helper `id` with arguments already in ARGS_SLOT; returns r0 as unsigned 64-bit.
   * @throws RunError UNKNOWN_HELPER, or HELPER_FAILED when the helper throws a non-BpfError.
   */
  invoke(id: number, call: HelperCall, pc: number): bigint {
    const def = this.byId.get(id);
    if (def === undefined) {
      throw new RunError('UNKNOWN_HELPER', `call to unknown helper ${id}`, { insn: pc });
    }
    call.pc = pc;
    let ret: bigint | number;
    try {
      ret = def.fn(call);
    } catch (cause) {
      if (cause instanceof RunError) throw cause;
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new RunError('HELPER_FAILED', `helper ${def.name} (${id}) failed: ${why}`, {
        insn: pc,
        cause,
      });
    }
    return toU64(ret, def, pc);
  }
}

function toU64(ret: bigint | number, def: HelperDef, pc: number): bigint {
  if (typeof ret === 'bigint') return BigInt.asUintN(64, ret);
  if (!Number.isInteger(ret)) {
    throw new RunError(
      'HELPER_FAILED',
      `helper ${def.name} (${def.id}) returned ${ret}, not an integer`,
      { insn: pc },
    );
  }
  return BigInt.asUintN(64, BigInt(ret));
}
