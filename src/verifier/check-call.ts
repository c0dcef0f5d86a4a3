// Helper calls checked against their prototypes (src/runtime/helper-protos.ts): each argument's
// type, memory arguments with the size argument that follows them, the map a key or value
// belongs to, references taken (ringbuf_reserve) and released (submit/discard); then r1-r5 are
// clobbered, r0 gets the return type, and helpers that may move packet data invalidate every
// packet pointer.

import { assertNever } from '../errors.js';
import type { Insn } from '../isa/insn.js';
import type { MapDef } from '../elf/maps-def.js';
import type { ArgType } from '../runtime/helper-protos.js';
import { isConst, scalarURange } from './bounds.js';
import { MAX_VAR_OFF } from './check-alu.js';
import { checkHelperMem } from './check-mem.js';
import { type Env, fail, newId } from './env.js';
import { NOT_INIT, ptrReg, type Reg, UNKNOWN_SCALAR, type VState } from './state.js';
import { U32 } from './tnum.js';

/** Helpers that may move or resize packet data (the kernel's bpf_helper_changes_pkt_data). */
const CHANGES_PKT_DATA = new Set([
  9, 10, 11, 13, 18, 19, 31, 38, 39, 43, 44, 50, 54, 63, 65, 73, 74, 75, 76, 90, 91,
]);

/** Map types each map helper accepts (the kernel's check_map_func_compatibility, reduced). */
const MAP_HELPERS: Readonly<Record<string, readonly string[]>> = {
  tail_call: ['prog_array'],
  perf_event_output: ['perf_event_array'],
  ringbuf_output: ['ringbuf'],
  ringbuf_reserve: ['ringbuf'],
  ringbuf_query: ['ringbuf'],
  map_push_elem: ['queue', 'stack', 'bloom_filter'],
  map_pop_elem: ['queue', 'stack'],
  map_peek_elem: ['queue', 'stack', 'bloom_filter'],
  redirect_map: ['devmap', 'devmap_hash', 'cpumap', 'xskmap'],
};
/** Map types only special helpers may use. */
const SPECIAL_MAPS = new Set([
  'prog_array',
  'perf_event_array',
  'ringbuf',
  'queue',
  'stack',
  'devmap',
  'devmap_hash',
  'cpumap',
  'xskmap',
]);
/** Special maps programs may still look up (kernel 5.8+: devmap entries; xskmap sockets). */
const LOOKUP_ONLY_MAPS = new Set(['devmap', 'devmap_hash', 'xskmap']);
const ELEM_HELPERS = new Set([
  'map_lookup_elem',
  'map_update_elem',
  'map_delete_elem',
  'map_lookup_percpu_elem',
]);

export interface CallbackCall {
  /** Slot of the callback's first instruction. */
  readonly target: number;
  /** What the callback receives in r2 (bpf_loop's ctx argument). */
  readonly ctxArg: Reg;
}

/**
 * Check a helper call and apply its effects to `st`. Returns the callback to verify when the
 * helper calls back into the program (bpf_loop), else null.
 */
export function checkHelperCall(env: Env, st: VState, insn: Insn): CallbackCall | null {
  const pc = insn.pc;
  const proto = env.helper(insn.imm);
  if (proto === undefined) fail('VERIFY_UNKNOWN_HELPER', `invalid func unknown#${insn.imm}`, pc);
  if (proto.progTypes !== undefined && !proto.progTypes.includes(env.progType)) {
    fail(
      'VERIFY_HELPER_PROG_TYPE',
      `program of this type cannot use helper bpf_${proto.name}#${proto.id}`,
      pc,
    );
  }
  const regs = st.cur.regs;
  let map: MapDef | null = null;
  let pendingMem: { reg: Reg; regno: number; write: boolean } | null = null;
  let callback: CallbackCall | null = null;
  let release = 0;
  const bad = (regno: number, why: string): never =>
    fail('VERIFY_HELPER_ARG', `R${regno} ${why} (arg${regno} of bpf_${proto.name})`, pc);

  proto.args.forEach((type: ArgType, i) => {
    const regno = i + 1;
    const r = regs[regno] as Reg;
    if (r.type === 'not_init') fail('VERIFY_UNINIT_REG', `R${regno} !read_ok`, pc);
    const isNull = r.type === 'scalar' && isConst(r.v) && r.v.t.value === 0n;
    switch (type) {
      case 'anything':
        return;
      case 'scalar':
        if (r.type !== 'scalar') bad(regno, `type=${r.type} expected=scalar`);
        return;
      case 'const_map_ptr': {
        if (r.type !== 'map_ptr' || r.map === null)
          return bad(regno, `type=${r.type} expected=map_ptr`);
        map = r.map;
        const allowed = MAP_HELPERS[proto.name];
        if (
          allowed !== undefined
            ? !allowed.includes(map.type)
            : SPECIAL_MAPS.has(map.type) &&
              ELEM_HELPERS.has(proto.name) &&
              !(proto.name === 'map_lookup_elem' && LOOKUP_ONLY_MAPS.has(map.type))
        ) {
          bad(regno, `cannot pass map_type ${map.type} into func bpf_${proto.name}`);
        }
        return;
      }
      case 'map_key':
      case 'map_value':
      case 'uninit_map_value': {
        const m = map as MapDef | null;
        if (m === null) return bad(regno, 'map key/value argument without a map argument');
        checkPtrArg(r, regno, bad);
        const size = type === 'map_key' ? m.keySize : m.valueSize;
        checkHelperMem(env, st, r, regno, size, type === 'uninit_map_value', pc);
        return;
      }
      case 'mem':
      case 'writable_mem':
      case 'uninit_mem':
      case 'mem_or_null':
      case 'writable_mem_or_null':
        if ((type === 'mem_or_null' || type === 'writable_mem_or_null') && isNull) {
          pendingMem = null;
          return;
        }
        checkPtrArg(r, regno, bad);
        pendingMem = {
          reg: r,
          regno,
          write:
            type === 'uninit_mem' || type === 'writable_mem' || type === 'writable_mem_or_null',
        };
        return;
      case 'const_size':
      case 'const_size_or_zero': {
        if (r.type !== 'scalar') return bad(regno, `type=${r.type} expected=scalar`);
        if (r.v.smin < 0n)
          bad(regno, "min value is negative, either use unsigned or 'var &= const'");
        if (type === 'const_size' && r.v.umin === 0n) bad(regno, 'invalid zero-sized read');
        if (r.v.umax >= BigInt(MAX_VAR_OFF))
          bad(regno, "unbounded memory access, use 'var &= const' or 'if (var < const)'");
        const mem = pendingMem as { reg: Reg; regno: number; write: boolean } | null;
        if (mem !== null)
          checkHelperMem(env, st, mem.reg, mem.regno, Number(r.v.umax), mem.write, pc);
        pendingMem = null;
        return;
      }
      case 'const_alloc_size_or_zero':
        if (r.type !== 'scalar' || !isConst(r.v)) bad(regno, 'size must be a known constant');
        return;
      case 'ctx':
        if (r.type !== 'ctx') return bad(regno, `type=${r.type} expected=ctx`);
        if (r.off !== 0 || !isConst(r.v) || r.v.t.value !== 0n) bad(regno, 'modified ctx ptr');
        return;
      case 'ringbuf_mem':
        if (r.type !== 'mem' || r.ref === 0)
          return bad(regno, `type=${r.type} expected=ringbuf_mem`);
        if (r.off !== 0 || !isConst(r.v) || r.v.t.value !== 0n)
          bad(regno, 'must point to the start of the record');
        release = r.ref;
        return;
      case 'func':
        if (r.type !== 'func') return bad(regno, `type=${r.type} expected=func`);
        callback = { target: r.frame, ctxArg: regs[3] as Reg };
        return;
      case 'const_str':
        if (r.type !== 'map_value' || r.map === null)
          return bad(regno, `type=${r.type} expected=map_value (read-only string)`);
        checkHelperMem(env, st, r, regno, 1, false, pc);
        return;
      case 'spin_lock':
        if (r.type !== 'map_value') bad(regno, `type=${r.type} expected=map_value`);
        checkHelperMem(env, st, r, regno, 4, true, pc);
        return;
      case 'ptr_to_long':
        checkPtrArg(r, regno, bad);
        checkHelperMem(env, st, r, regno, 8, true, pc);
        return;
      case 'stack_or_null':
        if (!isNull && r.type !== 'stack') bad(regno, `type=${r.type} expected=fp or NULL`);
        return;
      default:
        return assertNever(type, 'helper argument type');
    }
  });

  if (release !== 0) {
    const id = release;
    st.refs = st.refs.filter((x) => x !== id);
    st.forEachReg((x) => (x.ref === id ? NOT_INIT : x));
  }
  if (CHANGES_PKT_DATA.has(proto.id)) {
    st.forEachReg((x) =>
      x.type === 'pkt' || x.type === 'pkt_end' || x.type === 'pkt_meta' ? UNKNOWN_SCALAR : x,
    );
  }
  const r2 = regs[2] as Reg;
  for (let i = 1; i <= 5; i++) regs[i] = NOT_INIT;
  const m = map as MapDef | null;
  const ret = proto.ret;
  switch (ret) {
    case 'integer':
      regs[0] = UNKNOWN_SCALAR;
      break;
    case 'void':
      regs[0] = NOT_INIT;
      break;
    case 'map_value_or_null': {
      if (m === null)
        return fail(
          'VERIFY_HELPER_ARG',
          `bpf_${proto.name} returns a map value but has no map argument`,
          pc,
        );
      if (m.type === 'array_of_maps' || m.type === 'hash_of_maps') {
        const inner =
          m.inner ?? (m.innerMapIndex !== undefined ? env.maps[m.innerMapIndex] : undefined);
        if (inner === undefined)
          return fail('VERIFY_HELPER_ARG', `map ${m.name} has no inner map template`, pc);
        regs[0] = ptrReg('map_ptr_or_null', { map: inner, id: newId(env) });
      } else {
        regs[0] = ptrReg('map_value_or_null', { map: m, id: newId(env) });
      }
      break;
    }
    case 'ringbuf_mem_or_null': {
      const size = r2.type === 'scalar' && isConst(r2.v) ? Number(r2.v.t.value) : 0;
      const ref = newId(env);
      st.refs.push(ref);
      regs[0] = ptrReg('mem_or_null', { size, id: ref, ref });
      break;
    }
    case 'mem_or_null':
      regs[0] = ptrReg('mem_or_null', { size: 0, id: newId(env) });
      break;
    default:
      assertNever(ret, 'helper return type');
  }
  if (proto.name === 'get_smp_processor_id' || proto.name === 'get_prandom_u32') {
    regs[0] = { ...UNKNOWN_SCALAR, v: scalarURange(0n, U32) };
  }
  return callback;
}

/** Memory arguments must be pointers to memory, non-null. */
function checkPtrArg(r: Reg, regno: number, bad: (regno: number, why: string) => never): void {
  switch (r.type) {
    case 'stack':
    case 'map_value':
    case 'pkt':
    case 'pkt_meta':
    case 'mem':
      return;
    default:
      bad(regno, `type=${r.type} expected=fp, pkt, pkt_meta, map_value, mem`);
  }
}
