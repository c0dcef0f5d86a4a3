// The calling convention and fixed names inside a JIT module, shared by the code generator and
// the instantiation side (which must not import binaryen, so the AOT runtime can reuse it).
//
// Module interface:
//   import env.memory                      the VmMemory's WebAssembly.Memory
//   import env.helper(id i32, pc i32)      a JS helper: args r1-r5 in ARGS_SLOT, r0 to R0_SLOT
//   import wasm_helpers.h<id>(i64 x5)->i64 a helper implemented in Wasm (HelperDef.wasm)
//   export run(r1 i32, r2 i32) -> i32      r1 = input address, r2 = its length; returns r0's low
//                                          half and leaves the full r0 in R0_SLOT
//   export set_budget(lo i32, hi i32)      the instruction budget of every following run (kept in
//                                          a module-private global: no per-run host work)
//   export f<entryPc>(r0..r10 i64) -> i64  every subprogram, only in programs with callbacks
//                                          (Cfg.callbacks): what HelperCall.callback calls
//
// Inside, each subprogram is a function f<entryPc>(r0..r10 i64) -> i64 returning r0. The callee
// gets all of the caller's registers (r10 = caller's + FRAME_SIZE); it returns r0 and leaves its
// r1-r5 in ARGS_SLOT, which the caller reloads: exactly the interpreter's behaviour, which shares
// one register file and saves/restores only r6-r9 (and r10) around a local call. r6-r9 need no
// saving here: they are the caller's own locals.
//
// Tail calls: in a program that can tail call (a `call 12` or a `callx`), the code arms the state
// word at TAIL_CALL_SLOT before such a call and, after it and after every local call, returns
// at once when the word says PENDING (bpf_tail_call recorded the call): the run loop outside
// starts the target (src/runtime/object/tail-call.ts).
//
// Callbacks (bpf_loop). The budget lives in a local of the running function and in a global
// across calls. In a program with callbacks, each JS helper call first stores the budget to the
// global, r10 to CALLBACK_FP_SLOT and r0, r6-r9 to CALLBACK_REGS_SLOT, and reloads the budget
// afterwards; the engine's callback hook calls the exported f<pc> with those registers, r1-r5
// from the helper and r10 one frame up (the callee takes the budget from the global and leaves
// it there at exit, as for a local call), then restores the two slots for the next callback.

/** Trap kinds stored at TRAP_KIND_SLOT before `unreachable` (0 = no trap recorded). */
export const TrapKind = {
  BUDGET: 1,
  CALL_DEPTH: 2,
  FELL_OFF_END: 3,
  OUT_OF_BOUNDS: 4,
} as const;
export type TrapKind = (typeof TrapKind)[keyof typeof TrapKind];

export const IMPORT_ENV = 'env';
export const IMPORT_MEMORY = 'memory';
export const IMPORT_HELPER = 'helper';
export const IMPORT_WASM_HELPERS = 'wasm_helpers';
export const EXPORT_RUN = 'run';
export const EXPORT_SET_BUDGET = 'set_budget';

/** Import name of the Wasm implementation of helper `id`. */
export const wasmHelperName = (id: number): string => `h${id}`;

/** Name (and, in programs with callbacks, export name) of the subprogram entered at `entryPc`. */
export const subprogramName = (entryPc: number): string => `f${entryPc}`;

/** The entry pc of an export named by `subprogramName`, or undefined for other exports. */
export function subprogramPcOf(exportName: string): number | undefined {
  const m = /^f(\d+)$/.exec(exportName);
  return m === null ? undefined : Number(m[1]);
}

/** Module name written into the binary's name section; traps are attributed by it. */
export const MODULE_NAME = 'ebpfjit';

/** Local indexes inside a subprogram function: r0-r10 are the parameters. */
export const Local = {
  BUDGET: 11,
  TMP_A: 12,
  TMP_B: 13,
  ADDR: 14,
  LABEL: 15,
} as const;
export const PARAM_COUNT = 11;
