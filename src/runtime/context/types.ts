// What a program context is, for the two sides that need it: the verifier reads a static
// ContextLayout (which bytes of the context a program type may read or write, and which fields
// are packet pointers), the runtime uses a ContextKind to lay a context and its packet out in
// linear memory before a run and to read them back afterwards.

import type { VmMemory } from '../memory.js';
import type { ContextState } from './regions.js';

export type ContextFieldKind = 'scalar' | 'pkt_data' | 'pkt_end' | 'pkt_meta';

export interface ContextField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly read: boolean;
  readonly write: boolean;
  readonly kind: ContextFieldKind;
}

/** The context of one program type, as the kernel's `*_is_valid_access` rules allow it. */
export interface ContextLayout {
  /** The C type (`xdp_md`, `__sk_buff`, `pt_regs`, ...). */
  readonly type: string;
  /** Bytes of the structure (the context area holds at least that many). */
  readonly size: number;
  /** Every field, in offset order; bytes in no readable field are not accessible. */
  readonly fields: readonly ContextField[];
}

/** Context fields given by name: numbers, bigints, or arrays for `cb`, `remote_ip6`, ... */
export type ContextFields = Readonly<Record<string, number | bigint | readonly number[]>>;

/** What a caller hands to a run. Which parts apply depends on the program type. */
export interface ContextInput {
  /** The frame (xdp, tc, socket filter: starting at the Ethernet header). */
  readonly packet?: Uint8Array | undefined;
  /** The context: raw bytes of the structure, or fields by name. */
  readonly ctx?: Uint8Array | ContextFields | undefined;
  /** Raw memory for programs without a context (r1 = its address, r2 = its length). */
  readonly mem?: Uint8Array | undefined;
}

export interface ContextOutput {
  /** The packet as the program left it (xdp: data_meta..data_end, as BPF_PROG_TEST_RUN). */
  readonly packet?: Uint8Array;
  /** The raw memory after the run (programs without a context). */
  readonly mem?: Uint8Array;
  /** The context bytes after the run. */
  readonly ctx: Uint8Array;
}

/** Registers a run starts with. */
export interface EntryRegs {
  readonly r1: number;
  readonly r2: number;
}

export type ContextKindName = 'raw' | 'xdp' | 'skb' | 'tracing';

export interface ContextKind {
  readonly name: ContextKindName;
  /** The static layout (undefined for raw memory, which has no structure). */
  readonly layout: ContextLayout | undefined;
  /**
   * Write the context (and packet) into memory and register the regions a program may touch.
   * `capacity` is the size of the data area (DATA_BASE onwards) the packet must fit in.
   * @throws RunError BAD_INPUT or INPUT_TOO_LARGE.
   */
  enter(memory: VmMemory, input: ContextInput, capacity: number): EntryRegs;
  /** Read the packet and context back after a run. */
  leave(memory: VmMemory): ContextOutput;
  /** The packet-only fast path, for the kinds that take a packet (or raw memory). */
  readonly packetEntry?: PacketEntry | undefined;
}

/**
 * What ObjectRuntime runners use instead of enter/leave: the same memory and regions as
 * `enter(memory, { packet })`, without building input, entry or output objects, and the output
 * packet found where it lies in memory instead of copied out.
 */
export interface PacketEntry {
  /** r1 of every run: the context's address (the data's for raw memory). */
  readonly r1: number;
  /**
   * Lay `packet` out as enter does; returns r2.
   * @throws RunError BAD_INPUT or INPUT_TOO_LARGE, as enter.
   */
  enter(memory: VmMemory, state: ContextState, packet: Uint8Array, capacity: number): number;
  /** After a run: where the packet leave() would return starts in memory, and where it ends. */
  outputStart(memory: VmMemory): number;
  outputEnd(memory: VmMemory): number;
  /**
   * Make [outputStart, outputEnd) hold exactly what leave() returns as the packet (socket
   * filters zero the 14 bytes before the data: the L2 header the kernel gives back zeroed).
   */
  expose(memory: VmMemory): void;
}
