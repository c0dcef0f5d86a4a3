// What a program's return code means to the hook it runs at: linux/bpf.h enum xdp_action,
// linux/pkt_cls.h TC_ACT_*, and a socket filter's byte count. One table for `run` and `demo`.

const XDP_ACTIONS = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'];
const TC_ACTIONS = [
  'TC_ACT_OK',
  'TC_ACT_RECLASSIFY',
  'TC_ACT_SHOT',
  'TC_ACT_PIPE',
  'TC_ACT_STOLEN',
  'TC_ACT_QUEUED',
  'TC_ACT_REPEAT',
  'TC_ACT_REDIRECT',
  'TC_ACT_TRAP',
];

/** The name of a return code in the program's type (XDP_PASS, TC_ACT_SHOT), or undefined. */
export function actionOf(type: string, retval: number): string | undefined {
  if (type === 'xdp') return XDP_ACTIONS[retval];
  if (type === 'sched_cls' || type === 'sched_act') {
    return retval === 0xffff_ffff ? 'TC_ACT_UNSPEC' : TC_ACTIONS[retval];
  }
  return undefined;
}

/** What a return code means to the hook the program runs at, always something to print. */
export function actionName(type: string, retval: number): string {
  const name = actionOf(type, retval);
  if (name !== undefined) return name;
  if (type === 'xdp') return `XDP ${retval} (invalid)`;
  if (type === 'sched_cls' || type === 'sched_act') return `TC ${retval}`;
  // A socket filter returns how many bytes of the packet to keep.
  if (type === 'socket_filter') return retval === 0 ? 'drop' : `keep ${retval} bytes`;
  return `r0=0x${retval.toString(16)}`;
}
