// The linear-memory layout shared by every engine. One WebAssembly.Memory per loaded object;
// the interpreter and the JIT read and write the same ArrayBuffer, so a pointer has the same
// value in both and results compare bit for bit.
//
//   0x0000 ┌────────────────────┐
//          │ zero page          │  never valid: a null pointer faults
//   0x1000 ├────────────────────┤
//          │ runtime scratch    │  r0 slot, helper argument slots, trap info, budget,
//          │                    │  callback registers, pending tail call
//   0x2000 ├────────────────────┤
//          │ call stack         │  8 frames x 512 B; frame i is [0x2000 + i*512, +512),
//          │                    │  its r10 is the frame's top (exclusive end)
//   0x3000 ├────────────────────┤
//          │ context            │  struct xdp_md / __sk_buff / tracing ctx (4 KiB)
//   0x4000 ├────────────────────┤
//          │ packet / input     │  headroom, then the data the program runs on
//          ├────────────────────┤  DATA_BASE + data capacity
//          │ maps and map heaps │  (the maps-and-helpers issue)
//          └────────────────────┘

export const WASM_PAGE = 65536;

export const NULL_END = 0x1000;

/** Runtime scratch: fixed slots the engines and helpers share. */
export const SCRATCH_BASE = 0x1000;
/** Full 64-bit r0 after a run (the JIT returns its low half as i32). */
export const R0_SLOT = SCRATCH_BASE + 0x00;
/** Helper arguments r1..r5 (8 bytes each) written before a helper call. */
export const ARGS_SLOT = SCRATCH_BASE + 0x08;
/** Slot index of the instruction that trapped (JIT). */
export const TRAP_PC_SLOT = SCRATCH_BASE + 0x30;
/** Remaining instruction budget (JIT), i64. */
export const BUDGET_SLOT = SCRATCH_BASE + 0x38;
/** Trap kind (JIT), i32. */
export const TRAP_KIND_SLOT = SCRATCH_BASE + 0x40;
/**
 * Current virtual CPU (u32). Per-CPU maps pick their slot with it and
 * bpf_get_smp_processor_id returns it, so the two always agree.
 */
export const CPU_SLOT = SCRATCH_BASE + 0x48;
/**
 * JIT code that can call back (bpf_loop) leaves the calling frame's r10 here (i64) before every
 * JS helper call, so a callback gets the next frame; the engine restores it after the callback.
 */
export const CALLBACK_FP_SLOT = SCRATCH_BASE + 0x50;
/**
 * With it, the caller's r0, r6, r7, r8, r9 (5 x i64): a callback starts with them, as it does in
 * the interpreter, which runs the callee on the caller's register file.
 */
export const CALLBACK_REGS_SLOT = SCRATCH_BASE + 0x58;
/**
 * Tail calls without exceptions (src/runtime/object/tail-call.ts), 16 bytes: an i32 state word
 * (TailCallWord) at +0, then the pending call's target program id (u32) at +4 and context
 * pointer (u32) at +8. Compiled code that can unwind by returns arms the word before calling
 * bpf_tail_call; the helper then records the call here (PENDING) and returns, and every call
 * site of the program returns at once when it sees PENDING, up to the object's run loop.
 */
export const TAIL_CALL_SLOT = SCRATCH_BASE + 0x80;
/** Values of the state word at TAIL_CALL_SLOT. */
export const TailCallWord = {
  /** No tail call in flight. */
  IDLE: 0,
  /** Written by compiled code just before a call that may be bpf_tail_call: it can unwind. */
  ARMED: 1,
  /** A tail call was recorded: compiled code returns at once; the run loop starts the target. */
  PENDING: 2,
} as const;
export const SCRATCH_END = 0x2000;

export const STACK_BASE = 0x2000;
export const FRAME_SIZE = 512;
export const MAX_FRAMES = 8;
export const STACK_END = STACK_BASE + FRAME_SIZE * MAX_FRAMES;

/** r10 of call frame `depth` (0 = the entry program). */
export const frameTop = (depth: number): number => STACK_BASE + FRAME_SIZE * (depth + 1);

export const CTX_BASE = 0x3000;
export const CTX_SIZE = 0x1000;

/** Room before the packet data for xdp_adjust_head / adjust_meta (XDP_PACKET_HEADROOM). */
export const HEADROOM = 256;
export const PACKET_BASE = 0x4000;
/** Where input memory or packet data starts. */
export const DATA_BASE = PACKET_BASE + HEADROOM;
/** Default capacity for input memory / packet data (grows the memory when asked for more). */
export const DEFAULT_DATA_CAPACITY = 0x10000;

/** Bytes of linear memory needed for a given data capacity, rounded up to Wasm pages. */
export function memoryPagesFor(dataCapacity: number, extra = 0): number {
  return Math.ceil((DATA_BASE + dataCapacity + extra) / WASM_PAGE);
}
