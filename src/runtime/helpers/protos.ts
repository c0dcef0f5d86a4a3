// HELPER_PROTOS: the kernel's struct bpf_func_proto of every helper this project implements or
// expects a peer to implement (map helpers, context/packet helpers), in the reduced terms of
// src/runtime/helper-protos.ts. The verifier checks calls against it; the loader names unknown
// helpers with it. Argument and return types are transcribed from kernel/bpf/helpers.c,
// kernel/trace/bpf_trace.c, kernel/bpf/ringbuf.c and net/core/filter.c (Linux 6.1-6.12):
//
//   ARG_PTR_TO_MEM | MEM_RDONLY          -> 'mem'          ARG_PTR_TO_MEM (writable)   -> 'writable_mem'
//   ARG_PTR_TO_MEM_OR_NULL | MEM_RDONLY  -> 'mem_or_null'  ARG_PTR_TO_UNINIT_MEM       -> 'uninit_mem'
//   ARG_CONST_SIZE(_OR_ZERO)             -> 'const_size'(_or_zero)
//   ARG_PTR_TO_MAP_VALUE | MEM_UNINIT    -> 'uninit_map_value'
//
// An argument the kernel leaves as ARG_DONTCARE is not listed: trace_printk's r3-r5 are passed
// but never checked, exactly as in the kernel. Which program types may call a helper is the
// kernel's per-type get_func_proto; `progTypes` is given where the helper needs a packet context
// (skb or xdp), and left open otherwise.

import type { HelperProto } from '../helper-protos.js';
import { type HelperName, idOf } from './ids.js';

/** Program types whose context is a struct __sk_buff with a writable packet (tc). */
const TC = ['sched_cls', 'sched_act'] as const;
/** Program types whose context is a struct __sk_buff (read side). */
const SKB = [
  'socket_filter',
  'sched_cls',
  'sched_act',
  'cgroup_skb',
  'lwt_in',
  'lwt_out',
  'lwt_xmit',
  'sk_skb',
  'sk_reuseport',
  'flow_dissector',
] as const;
const XDP = ['xdp'] as const;
/** Lightweight tunnel program types (their own get_func_proto lists in filter.c). */
const LWT = ['lwt_in', 'lwt_out', 'lwt_xmit'] as const;
/** Program types with a bpf_get_socket_cookie variant for their context (skb, sock, sock_addr, sock_ops). */
const COOKIE = [
  'socket_filter',
  'sched_cls',
  'sched_act',
  'cgroup_skb',
  'sk_skb',
  'cgroup_sock',
  'cgroup_sock_addr',
  'sock_ops',
] as const;

type Spec = Omit<HelperProto, 'id' | 'name'> & { readonly name: HelperName };

function proto(spec: Spec): HelperProto {
  return Object.freeze({ id: idOf(spec.name), ...spec });
}

/** Prototypes ordered by id. */
export const HELPER_PROTOS: readonly HelperProto[] = Object.freeze(
  [
    // ---- maps (kernel/bpf/helpers.c, ringbuf.c; implemented in src/runtime/maps/) ----
    proto({
      name: 'map_lookup_elem',
      args: ['const_map_ptr', 'map_key'],
      ret: 'map_value_or_null',
    }),
    proto({
      name: 'map_update_elem',
      args: ['const_map_ptr', 'map_key', 'map_value', 'anything'],
      ret: 'integer',
    }),
    proto({ name: 'map_delete_elem', args: ['const_map_ptr', 'map_key'], ret: 'integer' }),
    proto({
      name: 'map_push_elem',
      args: ['const_map_ptr', 'map_value', 'anything'],
      ret: 'integer',
    }),
    proto({ name: 'map_pop_elem', args: ['const_map_ptr', 'uninit_map_value'], ret: 'integer' }),
    proto({ name: 'map_peek_elem', args: ['const_map_ptr', 'uninit_map_value'], ret: 'integer' }),
    proto({
      name: 'map_lookup_percpu_elem',
      args: ['const_map_ptr', 'map_key', 'anything'],
      ret: 'map_value_or_null',
    }),
    proto({
      name: 'perf_event_output',
      args: ['ctx', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'],
      ret: 'integer',
      gplOnly: true,
    }),
    proto({
      name: 'ringbuf_output',
      args: ['const_map_ptr', 'mem', 'const_size_or_zero', 'anything'],
      ret: 'integer',
    }),
    proto({
      name: 'ringbuf_reserve',
      args: ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'],
      ret: 'ringbuf_mem_or_null',
    }),
    proto({ name: 'ringbuf_submit', args: ['ringbuf_mem', 'anything'], ret: 'void' }),
    proto({ name: 'ringbuf_discard', args: ['ringbuf_mem', 'anything'], ret: 'void' }),
    proto({ name: 'ringbuf_query', args: ['const_map_ptr', 'anything'], ret: 'integer' }),
    proto({ name: 'tail_call', args: ['ctx', 'const_map_ptr', 'anything'], ret: 'void' }),

    // ---- time, cpu, random (kernel/bpf/helpers.c) ----
    proto({ name: 'ktime_get_ns', args: [], ret: 'integer' }),
    proto({ name: 'ktime_get_boot_ns', args: [], ret: 'integer' }),
    proto({ name: 'ktime_get_coarse_ns', args: [], ret: 'integer' }),
    proto({ name: 'jiffies64', args: [], ret: 'integer' }),
    proto({ name: 'get_prandom_u32', args: [], ret: 'integer' }),
    proto({ name: 'get_smp_processor_id', args: [], ret: 'integer' }),
    proto({ name: 'get_numa_node_id', args: [], ret: 'integer' }),

    // ---- current task (kernel/bpf/helpers.c, kernel/trace/bpf_trace.c) ----
    proto({ name: 'get_current_pid_tgid', args: [], ret: 'integer' }),
    proto({ name: 'get_current_uid_gid', args: [], ret: 'integer' }),
    proto({ name: 'get_current_comm', args: ['uninit_mem', 'const_size'], ret: 'integer' }),
    proto({ name: 'get_current_task', args: [], ret: 'integer', gplOnly: true }),

    // ---- printing and strings ----
    proto({ name: 'trace_printk', args: ['mem', 'const_size'], ret: 'integer', gplOnly: true }),
    proto({
      name: 'snprintf',
      args: [
        'writable_mem_or_null',
        'const_size_or_zero',
        'const_str',
        'mem_or_null',
        'const_size_or_zero',
      ],
      ret: 'integer',
      gplOnly: true,
    }),
    proto({ name: 'strncmp', args: ['mem', 'const_size', 'const_str'], ret: 'integer' }),

    // ---- reading memory (kernel/trace/bpf_trace.c) ----
    proto({
      name: 'probe_read',
      args: ['uninit_mem', 'const_size_or_zero', 'anything'],
      ret: 'integer',
      gplOnly: true,
    }),
    proto({
      name: 'probe_read_str',
      args: ['uninit_mem', 'const_size_or_zero', 'anything'],
      ret: 'integer',
      gplOnly: true,
    }),
    proto({
      name: 'probe_read_user',
      args: ['uninit_mem', 'const_size_or_zero', 'anything'],
      ret: 'integer',
      gplOnly: true,
    }),
    proto({
      name: 'probe_read_kernel',
      args: ['uninit_mem', 'const_size_or_zero', 'anything'],
      ret: 'integer',
      gplOnly: true,
    }),
    proto({
      name: 'probe_read_user_str',
      args: ['uninit_mem', 'const_size_or_zero', 'anything'],
      ret: 'integer',
      gplOnly: true,
    }),
    proto({
      name: 'probe_read_kernel_str',
      args: ['uninit_mem', 'const_size_or_zero', 'anything'],
      ret: 'integer',
      gplOnly: true,
    }),

    // ---- control: loops and locks (kernel/bpf/bpf_iter.c, helpers.c) ----
    proto({
      name: 'loop',
      args: ['anything', 'func', 'stack_or_null', 'anything'],
      ret: 'integer',
    }),
    proto({ name: 'spin_lock', args: ['spin_lock'], ret: 'void' }),
    proto({ name: 'spin_unlock', args: ['spin_lock'], ret: 'void' }),

    // ---- checksums and packet metadata (net/core/filter.c) ----
    proto({
      name: 'csum_diff',
      args: ['mem_or_null', 'const_size_or_zero', 'mem_or_null', 'const_size_or_zero', 'anything'],
      ret: 'integer',
    }),
    proto({ name: 'get_hash_recalc', args: ['ctx'], ret: 'integer', progTypes: [...TC, ...LWT] }),
    proto({ name: 'set_hash', args: ['ctx', 'anything'], ret: 'integer', progTypes: TC }),
    proto({ name: 'get_socket_cookie', args: ['ctx'], ret: 'integer', progTypes: COOKIE }),

    // ---- packet access and redirection (net/core/filter.c; need the context layout) ----
    proto({
      name: 'skb_store_bytes',
      args: ['ctx', 'anything', 'mem', 'const_size', 'anything'],
      ret: 'integer',
      progTypes: [...TC, 'lwt_xmit', 'sk_skb'],
    }),
    proto({
      name: 'skb_load_bytes',
      args: ['ctx', 'anything', 'uninit_mem', 'const_size'],
      ret: 'integer',
      progTypes: SKB,
    }),
    proto({
      name: 'l3_csum_replace',
      args: ['ctx', 'anything', 'anything', 'anything', 'anything'],
      ret: 'integer',
      progTypes: [...TC, 'lwt_xmit'],
    }),
    proto({
      name: 'l4_csum_replace',
      args: ['ctx', 'anything', 'anything', 'anything', 'anything'],
      ret: 'integer',
      progTypes: [...TC, 'lwt_xmit'],
    }),
    proto({
      name: 'clone_redirect',
      args: ['ctx', 'anything', 'anything'],
      ret: 'integer',
      progTypes: [...TC, 'lwt_xmit'],
    }),
    proto({
      name: 'redirect',
      args: ['anything', 'anything'],
      ret: 'integer',
      progTypes: [...TC, ...XDP, 'lwt_xmit'],
    }),
    proto({
      name: 'redirect_map',
      args: ['const_map_ptr', 'anything', 'anything'],
      ret: 'integer',
      progTypes: XDP,
    }),
    proto({
      name: 'redirect_neigh',
      args: ['anything', 'mem_or_null', 'const_size_or_zero', 'anything'],
      ret: 'integer',
      progTypes: TC,
    }),
    proto({
      name: 'skb_change_tail',
      args: ['ctx', 'anything', 'anything'],
      ret: 'integer',
      progTypes: [...TC, 'sk_skb'],
    }),
    proto({
      name: 'skb_pull_data',
      args: ['ctx', 'anything'],
      ret: 'integer',
      progTypes: [...TC, ...LWT, 'sk_skb'],
    }),
    proto({
      name: 'skb_change_head',
      args: ['ctx', 'anything', 'anything'],
      ret: 'integer',
      progTypes: [...TC, 'lwt_xmit', 'sk_skb'],
    }),
    proto({
      name: 'skb_set_tunnel_key',
      args: ['ctx', 'mem', 'const_size', 'anything'],
      ret: 'integer',
      progTypes: [...TC, 'lwt_xmit'],
    }),
    proto({ name: 'xdp_adjust_head', args: ['ctx', 'anything'], ret: 'integer', progTypes: XDP }),
    proto({ name: 'xdp_adjust_meta', args: ['ctx', 'anything'], ret: 'integer', progTypes: XDP }),
    proto({ name: 'xdp_adjust_tail', args: ['ctx', 'anything'], ret: 'integer', progTypes: XDP }),
    proto({
      name: 'fib_lookup',
      args: ['ctx', 'writable_mem', 'const_size', 'anything'],
      ret: 'integer',
      progTypes: [...TC, ...XDP],
    }),
  ].sort((a, b) => a.id - b.id),
);

const BY_ID: ReadonlyMap<number, HelperProto> = new Map(HELPER_PROTOS.map((p) => [p.id, p]));

/** The prototype of helper `id`, or undefined when this project does not describe it. */
export function protoOf(id: number): HelperProto | undefined {
  return BY_ID.get(id);
}
