// Program contexts in linear memory: which context each program type gets, and the static
// layout the verifier checks context accesses against. One file per context kind.

import type { ContextKind, ContextLayout } from './types.js';
import { rawContext } from './raw.js';
import { socketContext, tcContext } from './skb.js';
import {
  kprobeContext,
  perfEventContext,
  rawTracepointContext,
  tracepointContext,
} from './tracing.js';
import { xdpContext } from './xdp.js';

const ALIASES: Readonly<Record<string, string>> = {
  tc: 'sched_cls',
  classifier: 'sched_cls',
  socket: 'socket_filter',
  raw: 'unspec',
  tp: 'tracepoint',
  raw_tp: 'raw_tracepoint',
};

const BY_TYPE: Readonly<Record<string, ContextKind>> = {
  xdp: xdpContext,
  sched_cls: tcContext,
  sched_act: tcContext,
  socket_filter: socketContext,
  kprobe: kprobeContext,
  tracepoint: tracepointContext,
  raw_tracepoint: rawTracepointContext,
  perf_event: perfEventContext,
  unspec: rawContext,
};

/**
 * The context a program of `progType` runs with (names as in src/elf/prog-type.ts, plus the
 * aliases `tc`, `socket`, `classifier`). Undefined for types not supported yet.
 */
export function contextOf(progType: string): ContextKind | undefined {
  return BY_TYPE[ALIASES[progType] ?? progType];
}

/** The context layout of a program type; undefined when it has none (raw memory) or is unknown. */
export function contextLayoutOf(progType: string): ContextLayout | undefined {
  return contextOf(progType)?.layout;
}

export type {
  ContextField,
  ContextFieldKind,
  ContextFields,
  ContextInput,
  ContextKind,
  ContextKindName,
  ContextLayout,
  ContextOutput,
  EntryRegs,
  PacketEntry,
} from './types.js';
export { rawContext } from './raw.js';
export { skbContext, socketContext, tcContext, SK_BUFF_SOCKET, SK_BUFF_TC } from './skb.js';
export {
  BPF_PERF_EVENT_DATA,
  PT_REGS,
  RAW_TRACEPOINT_ARGS,
  TRACE_RECORD,
  tracingContext,
} from './tracing.js';
export {
  XDP_MD,
  XDP_HELPERS,
  registerXdpHelpers,
  xdpAdjustHead,
  xdpAdjustMeta,
  xdpAdjustTail,
  xdpContext,
} from './xdp.js';
export {
  ContextState,
  contextState,
  packetFrameOf,
  setPacketRegions,
  type PacketFrame,
} from './regions.js';
export { registerPerfOutputWithPacket } from './perf-output.js';
export {
  SKB_HELPERS,
  l3CsumReplace,
  l4CsumReplace,
  redirect,
  registerSkbHelpers,
  skbLoadBytes,
  skbStoreBytes,
} from './skb-helpers.js';
export {
  SKB_MAX_LEN,
  SKB_MIN_LEN,
  SKB_RESIZE_HELPERS,
  registerSkbResizeHelpers,
  skbChangeTail,
  skbPullData,
} from './skb-resize.js';
export {
  REDIRECT_MAP_HELPER,
  type RedirectTarget,
  redirectMapOf,
  redirectTargetOf,
  registerRedirectMap,
} from './redirect-map.js';
