// Program type from an ELF section name, by libbpf's SEC() conventions (its `section_defs`
// table and Documentation/bpf/libbpf/program_types.rst), plus the prefix matching older libbpf
// versions did, so `xdp_prog` or `socket1` still load as what they obviously are. Names outside
// every convention (`2/1`, `from-netdev`, `tail-32`) are 'unspec': the caller can override.

/** `enum bpf_prog_type` from linux/bpf.h, in order (the index is the kernel's number). */
export const PROG_TYPES = [
  'unspec',
  'socket_filter',
  'kprobe',
  'sched_cls',
  'sched_act',
  'tracepoint',
  'xdp',
  'perf_event',
  'cgroup_skb',
  'cgroup_sock',
  'lwt_in',
  'lwt_out',
  'lwt_xmit',
  'sock_ops',
  'sk_skb',
  'cgroup_device',
  'sk_msg',
  'raw_tracepoint',
  'cgroup_sock_addr',
  'lwt_seg6local',
  'lirc_mode2',
  'sk_reuseport',
  'flow_dissector',
  'cgroup_sysctl',
  'raw_tracepoint_writable',
  'cgroup_sockopt',
  'tracing',
  'struct_ops',
  'ext',
  'lsm',
  'sk_lookup',
  'syscall',
  'netfilter',
] as const;
export type ProgType = (typeof PROG_TYPES)[number];

export function progTypeId(type: ProgType): number {
  return PROG_TYPES.indexOf(type);
}

/**
 * libbpf's rules: `name` matches exactly; `name+` matches `name` or `name/anything`;
 * `name/` matches any name starting with it. Order matters: the first match wins.
 */
const SECTION_DEFS: ReadonlyArray<readonly [string, ProgType]> = [
  ['socket', 'socket_filter'],
  ['sk_reuseport/migrate', 'sk_reuseport'],
  ['sk_reuseport', 'sk_reuseport'],
  ['kprobe+', 'kprobe'],
  ['uprobe+', 'kprobe'],
  ['uprobe.s+', 'kprobe'],
  ['kretprobe+', 'kprobe'],
  ['uretprobe+', 'kprobe'],
  ['uretprobe.s+', 'kprobe'],
  ['kprobe.multi+', 'kprobe'],
  ['kretprobe.multi+', 'kprobe'],
  ['kprobe.session+', 'kprobe'],
  ['uprobe.multi+', 'kprobe'],
  ['uretprobe.multi+', 'kprobe'],
  ['uprobe.multi.s+', 'kprobe'],
  ['uretprobe.multi.s+', 'kprobe'],
  ['ksyscall+', 'kprobe'],
  ['kretsyscall+', 'kprobe'],
  ['usdt+', 'kprobe'],
  ['usdt.s+', 'kprobe'],
  ['tc/ingress', 'sched_cls'],
  ['tc/egress', 'sched_cls'],
  ['tcx/ingress', 'sched_cls'],
  ['tcx/egress', 'sched_cls'],
  ['tc', 'sched_cls'],
  ['classifier', 'sched_cls'],
  ['action', 'sched_act'],
  ['netkit/primary', 'sched_cls'],
  ['netkit/peer', 'sched_cls'],
  ['tracepoint+', 'tracepoint'],
  ['tp+', 'tracepoint'],
  ['raw_tracepoint+', 'raw_tracepoint'],
  ['raw_tp+', 'raw_tracepoint'],
  ['raw_tracepoint.w+', 'raw_tracepoint_writable'],
  ['raw_tp.w+', 'raw_tracepoint_writable'],
  ['tp_btf+', 'tracing'],
  ['fentry+', 'tracing'],
  ['fmod_ret+', 'tracing'],
  ['fexit+', 'tracing'],
  ['fentry.s+', 'tracing'],
  ['fmod_ret.s+', 'tracing'],
  ['fexit.s+', 'tracing'],
  ['freplace+', 'ext'],
  ['lsm+', 'lsm'],
  ['lsm.s+', 'lsm'],
  ['lsm_cgroup+', 'lsm'],
  ['iter+', 'tracing'],
  ['iter.s+', 'tracing'],
  ['syscall', 'syscall'],
  ['xdp.frags/devmap', 'xdp'],
  ['xdp/devmap', 'xdp'],
  ['xdp.frags/cpumap', 'xdp'],
  ['xdp/cpumap', 'xdp'],
  ['xdp.frags', 'xdp'],
  ['xdp', 'xdp'],
  ['perf_event', 'perf_event'],
  ['lwt_in', 'lwt_in'],
  ['lwt_out', 'lwt_out'],
  ['lwt_xmit', 'lwt_xmit'],
  ['lwt_seg6local', 'lwt_seg6local'],
  ['sockops', 'sock_ops'],
  ['sk_skb/stream_parser', 'sk_skb'],
  ['sk_skb/stream_verdict', 'sk_skb'],
  ['sk_skb/verdict', 'sk_skb'],
  ['sk_skb', 'sk_skb'],
  ['sk_msg', 'sk_msg'],
  ['lirc_mode2', 'lirc_mode2'],
  ['flow_dissector', 'flow_dissector'],
  ['cgroup_skb/ingress', 'cgroup_skb'],
  ['cgroup_skb/egress', 'cgroup_skb'],
  ['cgroup/skb', 'cgroup_skb'],
  ['cgroup/sock_create', 'cgroup_sock'],
  ['cgroup/sock_release', 'cgroup_sock'],
  ['cgroup/sock', 'cgroup_sock'],
  ['cgroup/post_bind4', 'cgroup_sock'],
  ['cgroup/post_bind6', 'cgroup_sock'],
  ['cgroup/bind4', 'cgroup_sock_addr'],
  ['cgroup/bind6', 'cgroup_sock_addr'],
  ['cgroup/connect4', 'cgroup_sock_addr'],
  ['cgroup/connect6', 'cgroup_sock_addr'],
  ['cgroup/connect_unix', 'cgroup_sock_addr'],
  ['cgroup/sendmsg4', 'cgroup_sock_addr'],
  ['cgroup/sendmsg6', 'cgroup_sock_addr'],
  ['cgroup/sendmsg_unix', 'cgroup_sock_addr'],
  ['cgroup/recvmsg4', 'cgroup_sock_addr'],
  ['cgroup/recvmsg6', 'cgroup_sock_addr'],
  ['cgroup/recvmsg_unix', 'cgroup_sock_addr'],
  ['cgroup/getpeername4', 'cgroup_sock_addr'],
  ['cgroup/getpeername6', 'cgroup_sock_addr'],
  ['cgroup/getpeername_unix', 'cgroup_sock_addr'],
  ['cgroup/getsockname4', 'cgroup_sock_addr'],
  ['cgroup/getsockname6', 'cgroup_sock_addr'],
  ['cgroup/getsockname_unix', 'cgroup_sock_addr'],
  ['cgroup/sysctl', 'cgroup_sysctl'],
  ['cgroup/getsockopt', 'cgroup_sockopt'],
  ['cgroup/setsockopt', 'cgroup_sockopt'],
  ['cgroup/dev', 'cgroup_device'],
  ['struct_ops+', 'struct_ops'],
  ['struct_ops.s+', 'struct_ops'],
  ['sk_lookup', 'sk_lookup'],
  ['netfilter', 'netfilter'],
];

/**
 * Prefixes that libbpf before 1.0 accepted without a separator (its SEC_SLOPPY_PFX mode), and
 * that older objects still use: `socket_filter`, `xdp_drop`, `kprobe__sys_open`, `classifier_x`.
 */
const LEGACY_PREFIXES: ReadonlyArray<readonly [string, ProgType]> = [
  ['socket', 'socket_filter'],
  ['kprobe', 'kprobe'],
  ['kretprobe', 'kprobe'],
  ['uprobe', 'kprobe'],
  ['uretprobe', 'kprobe'],
  ['tracepoint', 'tracepoint'],
  ['raw_tracepoint', 'raw_tracepoint'],
  ['classifier', 'sched_cls'],
  ['action', 'sched_act'],
  ['xdp', 'xdp'],
  ['perf_event', 'perf_event'],
  ['lwt_', 'lwt_in'],
  ['sockops', 'sock_ops'],
  ['sk_skb', 'sk_skb'],
  ['sk_msg', 'sk_msg'],
  ['cgroup_skb', 'cgroup_skb'],
  ['flow_dissector', 'flow_dissector'],
];

function defMatches(def: string, name: string): boolean {
  if (def.endsWith('/')) return name.startsWith(def);
  if (def.endsWith('+')) {
    const base = def.slice(0, -1);
    return name === base || name.startsWith(`${base}/`);
  }
  return name === def;
}

/** The program type libbpf would give a program in section `name`; 'unspec' if none. */
export function progTypeOfSection(name: string): ProgType {
  for (const [def, type] of SECTION_DEFS) if (defMatches(def, name)) return type;
  for (const [prefix, type] of LEGACY_PREFIXES) {
    if (!name.startsWith(prefix)) continue;
    // lwt_ is ambiguous only in the suffix: lwt_in*, lwt_out*, lwt_xmit*, lwt_seg6local*.
    if (prefix === 'lwt_') {
      for (const t of ['lwt_seg6local', 'lwt_xmit', 'lwt_out', 'lwt_in'] as const) {
        if (name.startsWith(t)) return t;
      }
      continue;
    }
    return type;
  }
  return 'unspec';
}
