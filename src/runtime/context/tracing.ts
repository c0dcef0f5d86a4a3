// Tracing contexts: kprobe (struct pt_regs, x86-64), perf_event (struct bpf_perf_event_data),
// tracepoint (the raw trace record) and raw_tracepoint (u64 args[]). The caller supplies the
// bytes (there is no kernel to take them from); programs may only read them, as
// kprobe/tp/raw_tp/pe_prog_is_valid_access allow. A tracepoint's first 8 bytes (the common
// header) are not readable, and only the bytes the caller gave are accessible for the
// variable-size kinds.

import { RunError } from '../../errors.js';
import { CTX_BASE, CTX_SIZE } from '../layout.js';
import type { Region, VmMemory } from '../memory.js';
import { contextRegions, contextState, field, installRegions, writeContext } from './regions.js';
import type {
  ContextField,
  ContextInput,
  ContextKind,
  ContextLayout,
  ContextOutput,
  EntryRegs,
} from './types.js';

const PT_REGS_NAMES = [
  'r15',
  'r14',
  'r13',
  'r12',
  'bp',
  'bx',
  'r11',
  'r10',
  'r9',
  'r8',
  'ax',
  'cx',
  'dx',
  'si',
  'di',
  'orig_ax',
  'ip',
  'cs',
  'flags',
  'sp',
  'ss',
] as const;

const ptRegsFields = (): ContextField[] =>
  PT_REGS_NAMES.map((name, i) => field(name, i * 8, 8, true, false));

export const PT_REGS: ContextLayout = Object.freeze({
  type: 'pt_regs',
  size: PT_REGS_NAMES.length * 8,
  fields: Object.freeze(ptRegsFields()),
});

export const BPF_PERF_EVENT_DATA: ContextLayout = Object.freeze({
  type: 'bpf_perf_event_data',
  size: PT_REGS.size + 16,
  fields: Object.freeze([
    ...ptRegsFields(),
    field('sample_period', PT_REGS.size, 8, true, false),
    field('addr', PT_REGS.size + 8, 8, true, false),
  ]),
});

/** PERF_MAX_TRACE_SIZE: tracepoint records are at most 2 KiB. */
const TRACE_MAX = 2048;

export const TRACE_RECORD: ContextLayout = Object.freeze({
  type: 'trace_entry',
  size: TRACE_MAX,
  fields: Object.freeze([
    field('common', 0, 8, false, false),
    field('data', 8, TRACE_MAX - 8, true, false),
  ]),
});

/** MAX_BPF_FUNC_ARGS u64 arguments. */
export const RAW_TRACEPOINT_ARGS: ContextLayout = Object.freeze({
  type: 'bpf_raw_tracepoint_args',
  size: 12 * 8,
  fields: Object.freeze(
    Array.from({ length: 12 }, (_, i) => field(`args${i}`, i * 8, 8, true, false)),
  ),
});

/**
 * A tracing context of `layout`. Fixed-size layouts (pt_regs) are always fully readable;
 * `variable` ones expose only the bytes the caller gave.
 */
export function tracingContext(layout: ContextLayout, variable: boolean): ContextKind {
  let given = 0;
  // Region lists by accessible size: the same array while the size stays (installRegions).
  const full = contextRegions(layout);
  let partial: { size: number; regions: readonly Region[] } = { size: layout.size, regions: full };
  const regionsFor = (size: number): readonly Region[] => {
    if (size === layout.size) return full;
    if (partial.size !== size) partial = { size, regions: contextRegions(layout, size) };
    return partial.regions;
  };
  return {
    name: 'tracing',
    layout,
    enter(memory: VmMemory, input: ContextInput): EntryRegs {
      if (input.packet !== undefined || input.mem !== undefined) {
        throw new RunError('BAD_INPUT', `${layout.type} programs take ctx only, no packet or mem`);
      }
      if (layout.size > CTX_SIZE) throw new RunError('BAD_INPUT', `${layout.type} is too large`);
      const state = contextState(memory);
      writeContext(memory, state, layout, input.ctx, layout.size, () => true);
      const ctx = input.ctx;
      given = variable ? (ctx instanceof Uint8Array ? ctx.length : layout.size) : layout.size;
      installRegions(memory, state, regionsFor(given), undefined);
      return { r1: CTX_BASE, r2: given };
    },
    leave(memory: VmMemory): ContextOutput {
      return { ctx: memory.bytes.slice(CTX_BASE, CTX_BASE + given) };
    },
  };
}

export const kprobeContext: ContextKind = tracingContext(PT_REGS, false);
export const perfEventContext: ContextKind = tracingContext(BPF_PERF_EVENT_DATA, false);
export const tracepointContext: ContextKind = tracingContext(TRACE_RECORD, true);
export const rawTracepointContext: ContextKind = tracingContext(RAW_TRACEPOINT_ARGS, true);
