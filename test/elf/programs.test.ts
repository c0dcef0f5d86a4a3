// Programs: one per global function of a program section, .text subprograms appended and calls
// fixed up, lddw relocations encoded as map references, built-ins, types, license, version.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf, SymType } from '../../src/elf/elf.js';
import {
  type BpfProgram,
  BUILTINS,
  findProgram,
  helpersUsed,
  loadObject,
  progTypeOfSection,
} from '../../src/elf/index.js';
import { Code, decode, LddwSrc } from '../../src/isa/index.js';
import { CORPUS_OBJ, edit, errorOf, fixture, sectionRange, view } from './util.js';

const subprogs = fixture('subprogs.o');

/** Slot range of a function symbol in its section. */
function funcSlots(
  bytes: Uint8Array,
  name: string,
): { section: string; start: number; len: number } {
  const elf = parseElf(bytes);
  const sym = elf.symbols.find((s) => s.name === name && s.type === SymType.FUNC);
  if (sym === undefined) throw new Error(name);
  return { section: elf.sections[sym.shndx]?.name ?? '', start: sym.value / 8, len: sym.size / 8 };
}

/** First 8 bytes of a function as it is in the object. */
function firstInsn(bytes: Uint8Array, name: string): Uint8Array {
  const f = funcSlots(bytes, name);
  const { offset } = sectionRange(bytes, f.section);
  return bytes.slice(offset + f.start * 8, offset + f.start * 8 + 8);
}

/** Targets (slot index) of every bpf-to-bpf call. */
function callTargets(prog: BpfProgram): number[] {
  return decode(prog.insns)
    .insns.filter((i) => i.code === Code.CALL_LOCAL)
    .map((i) => i.pc + 1 + i.imm);
}

function slotBytes(prog: BpfProgram, slot: number): Uint8Array {
  return prog.insns.slice(slot * 8, slot * 8 + 8);
}

describe('programs and subprograms', () => {
  const obj = loadObject(subprogs);

  it('finds one program per global function of each program section, none for .text', () => {
    expect(obj.programs.map((p) => [p.name, p.section, p.type])).toEqual([
      ['xdp_one', 'xdp', 'xdp'],
      ['xdp_two', 'xdp', 'xdp'],
      ['tc_main', 'tc', 'sched_cls'],
      ['probe', 'kprobe/do_sys_open', 'kprobe'],
    ]);
    expect(obj.programs.map((p) => p.typeId)).toEqual([6, 6, 3, 2]);
    expect(obj.license).toBe('Dual BSD/GPL');
    expect(obj.version).toBe(0);
  });

  it('every linked program decodes', () => {
    for (const p of obj.programs) expect(() => decode(p.insns)).not.toThrow();
  });

  it('appends the transitive callees once each and points the calls at them', () => {
    const one = findProgram(obj, 'xdp_one');
    const own = funcSlots(subprogs, 'xdp_one').len;
    const middle = funcSlots(subprogs, 'middle').len;
    const leaf = funcSlots(subprogs, 'leaf').len;
    // xdp_one, then middle (called by xdp_one), then leaf (called twice by middle, copied once).
    expect(one.insns.length / 8).toBe(own + middle + leaf);
    const targets = callTargets(one);
    expect(targets).toEqual([own, own + middle, own + middle]);
    expect(slotBytes(one, own)).toEqual(firstInsn(subprogs, 'middle'));
    expect(slotBytes(one, own + middle)).toEqual(firstInsn(subprogs, 'leaf'));
  });

  it('links each program independently (leaf in both xdp_two and tc_main)', () => {
    for (const name of ['xdp_two', 'tc_main']) {
      const p = findProgram(obj, name);
      const [target] = callTargets(p);
      expect(target).toBeDefined();
      expect(slotBytes(p, target as number)).toEqual(firstInsn(subprogs, 'leaf'));
    }
    expect(callTargets(findProgram(obj, 'probe'))).toEqual([]);
  });

  it('turns an lddw of a function address into src=FUNC pointing at the appended callback', () => {
    const two = findProgram(obj, 'xdp_two');
    const ld = decode(two.insns).insns.find((i) => i.code === Code.LDDW && i.src === LddwSrc.FUNC);
    expect(ld).toBeDefined();
    if (ld === undefined) return;
    expect(slotBytes(two, ld.pc + 1 + ld.imm)).toEqual(firstInsn(subprogs, 'loop_cb'));
  });

  it('records global data references as map_value with the symbol offset and encodes them', () => {
    const one = findProgram(obj, 'xdp_one');
    const dataIndex = obj.maps.findIndex((m) => m.name === '.data');
    expect(one.relocations).toContainEqual({
      insn: 0,
      kind: 'map_value',
      map: '.data',
      mapIndex: dataIndex,
      offset: 0,
    });
    const ld = decode(one.insns).insns[0];
    expect(ld).toMatchObject({ code: Code.LDDW, src: LddwSrc.MAP_IDX_VALUE, imm: dataIndex });
    // tc_main's format string sits after `limit` in .rodata.
    const tc = findProgram(obj, 'tc_main');
    expect(
      tc.relocations.map((r) => [r.kind, 'map' in r ? r.map : '', 'offset' in r ? r.offset : -1]),
    ).toEqual([
      ['map_value', '.rodata', 4],
      ['map_value', '.rodata', 0],
    ]);
  });

  it('lists the helpers a program calls', () => {
    expect(helpersUsed(findProgram(obj, 'tc_main'))).toEqual([6]);
    expect(helpersUsed(findProgram(obj, 'xdp_two'))).toEqual([181]);
    expect(helpersUsed(findProgram(obj, 'probe'))).toEqual([8]);
    expect(helpersUsed(findProgram(obj, 'xdp_one'))).toEqual([]);
  });

  it('PROG_NOT_FOUND for a missing program', () => {
    expect(errorOf(() => findProgram(obj, 'nope'))).toMatchObject({
      stage: 'load',
      code: 'PROG_NOT_FOUND',
    });
    expect(findProgram(obj, 'tc').name).toBe('tc_main');
  });
});

describe('relocations', () => {
  const relOf = (name: string): number => sectionRange(subprogs, name).offset;

  it('treats relocation type 0 on an lddw as R_BPF_64_64', () => {
    const at = relOf('.relxdp');
    const bytes = edit(subprogs, (v) => v.setUint32(at + 8, 0, true));
    expect(view(subprogs).getUint32(at + 8, true)).toBe(1);
    expect(loadObject(bytes)).toEqual(loadObject(subprogs));
  });

  it('rejects a relocation outside its section', () => {
    const at = relOf('.relxdp');
    const bytes = edit(subprogs, (v) => v.setUint32(at, 0x100000, true));
    expect(errorOf(() => loadObject(bytes))).toMatchObject({
      stage: 'load',
      code: 'ELF_BAD_RELOC',
    });
  });

  it('rejects a relocation on an instruction that is neither lddw nor call, naming it', () => {
    const at = relOf('.relxdp');
    const first = view(subprogs).getUint32(at, true);
    const bytes = edit(subprogs, (v) => v.setUint32(at, first + 16, true));
    expect(errorOf(() => loadObject(bytes))).toMatchObject({
      code: 'ELF_BAD_RELOC',
      insn: first / 8 + 2,
    });
  });

  it('rejects a relocation with an unknown symbol or an unsupported type', () => {
    const at = relOf('.relxdp');
    expect(
      errorOf(() => loadObject(edit(subprogs, (v) => v.setUint32(at + 12, 9999, true)))),
    ).toMatchObject({
      code: 'ELF_BAD_RELOC',
    });
    expect(
      errorOf(() => loadObject(edit(subprogs, (v) => v.setUint32(at + 8, 2, true)))),
    ).toMatchObject({
      code: 'ELF_BAD_RELOC',
    });
  });
});

describe('built-ins', () => {
  const bytes = fixture('builtins.o');

  it('turns calls to undefined memset/memcpy into built-in calls and records them', () => {
    const p = findProgram(loadObject(bytes), 'copy');
    expect(
      p.relocations.filter((r) => r.kind === 'builtin').map((r) => ('name' in r ? r.name : '')),
    ).toEqual(['memset', 'memcpy']);
    const calls = decode(p.insns).insns.filter((i) => i.code === Code.CALL_KFUNC);
    expect(calls.map((c) => [c.pc, c.imm])).toEqual(
      p.relocations.map((r) => [r.insn, r.kind === 'builtin' ? BUILTINS[r.name] : -1]),
    );
  });

  it('rejects a call to any other undefined function, naming the instruction', () => {
    const p = findProgram(loadObject(bytes), 'copy');
    const strtab = parseElf(bytes).sections.find((s) => s.name === '.strtab');
    if (strtab === undefined) throw new Error('no .strtab');
    const name = new TextEncoder().encode('memset\0');
    const data = bytes.subarray(strtab.offset, strtab.offset + strtab.size);
    let at = -1;
    for (let i = 0; i + name.length <= data.length && at < 0; i++) {
      if (name.every((c, j) => data[i + j] === c)) at = strtab.offset + i;
    }
    const renamed = edit(bytes, (v) => v.setUint8(at + 3, 0x78)); // memset -> memxet
    const first = p.relocations[0]?.insn;
    expect(errorOf(() => loadObject(renamed))).toMatchObject({
      code: 'ELF_BAD_RELOC',
      insn: first,
    });
  });
});

describe('program types', () => {
  it.each([
    ['xdp', 'xdp'],
    ['xdp.frags', 'xdp'],
    ['xdp/devmap', 'xdp'],
    ['tc', 'sched_cls'],
    ['tc/ingress', 'sched_cls'],
    ['tcx/egress', 'sched_cls'],
    ['classifier', 'sched_cls'],
    ['action', 'sched_act'],
    ['socket', 'socket_filter'],
    ['kprobe/do_sys_open', 'kprobe'],
    ['kretprobe/do_sys_open', 'kprobe'],
    ['uprobe/lib.so:fn', 'kprobe'],
    ['tracepoint/syscalls/sys_enter_write', 'tracepoint'],
    ['tp/sched/sched_switch', 'tracepoint'],
    ['raw_tracepoint/sys_enter', 'raw_tracepoint'],
    ['raw_tp/sys_enter', 'raw_tracepoint'],
    ['tp_btf/sched_switch', 'tracing'],
    ['fentry/do_unlinkat', 'tracing'],
    ['fexit/do_unlinkat', 'tracing'],
    ['lsm/file_open', 'lsm'],
    ['perf_event', 'perf_event'],
    ['cgroup_skb/ingress', 'cgroup_skb'],
    ['cgroup/skb', 'cgroup_skb'],
    ['cgroup/connect4', 'cgroup_sock_addr'],
    ['cgroup/sock_create', 'cgroup_sock'],
    ['cgroup/dev', 'cgroup_device'],
    ['cgroup/sysctl', 'cgroup_sysctl'],
    ['cgroup/getsockopt', 'cgroup_sockopt'],
    ['sockops', 'sock_ops'],
    ['sk_skb/stream_verdict', 'sk_skb'],
    ['sk_msg', 'sk_msg'],
    ['lwt_in', 'lwt_in'],
    ['lwt_xmit', 'lwt_xmit'],
    ['lwt_seg6local', 'lwt_seg6local'],
    ['flow_dissector', 'flow_dissector'],
    ['sk_lookup', 'sk_lookup'],
    ['syscall', 'syscall'],
    ['struct_ops/tcp_init', 'struct_ops'],
    ['freplace/fn', 'ext'],
    ['netfilter', 'netfilter'],
    // older libbpf's prefix matching
    ['socket_filter', 'socket_filter'],
    ['xdp_drop', 'xdp'],
    ['kprobe__sys_open', 'kprobe'],
    ['lwt_xmit_encap', 'lwt_xmit'],
    // outside every convention
    ['2/1', 'unspec'],
    ['from-netdev', 'unspec'],
    ['tail-32', 'unspec'],
    ['tcp', 'unspec'],
    ['kprobex', 'kprobe'],
  ])('%s -> %s', (section, type) => {
    expect(progTypeOfSection(section)).toBe(type);
  });

  it('takes an override for all programs or per program/section', () => {
    const bytes = fixture('legacy_maps.o');
    expect(loadObject(bytes).programs.map((p) => p.type)).toEqual([
      'unspec',
      'unspec',
      'socket_filter',
    ]);
    expect(loadObject(bytes, { programType: 'sched_cls' }).programs.map((p) => p.type)).toEqual([
      'sched_cls',
      'sched_cls',
      'sched_cls',
    ]);
    const per = loadObject(bytes, {
      programType: { from_tail: 'xdp', 'from-netdev': 'sched_act' },
    });
    expect(per.programs.map((p) => [p.type, p.typeId])).toEqual([
      ['xdp', 6],
      ['sched_act', 4],
      ['socket_filter', 1],
    ]);
  });

  it('reads the version section', () => {
    expect(loadObject(fixture('legacy_maps.o')).version).toBe(0x050a00);
    const bytes = fixture('legacy_maps.o');
    const sec = sectionRange(bytes, 'version');
    const other = edit(bytes, (v) => v.setUint32(sec.offset, 0x060100, true));
    expect(loadObject(other).version).toBe(0x060100);
  });
});

describe('corpus objects', () => {
  let files: string[] = [];
  try {
    files = readdirSync(CORPUS_OBJ).filter((f) => f.endsWith('.o'));
  } catch {
    files = [];
  }
  it.runIf(files.length > 0).each(files)('%s loads and every program decodes', (file) => {
    const obj = loadObject(new Uint8Array(readFileSync(join(CORPUS_OBJ, file))));
    expect(obj.programs.length).toBeGreaterThan(0);
    for (const p of obj.programs) {
      const prog = decode(p.insns);
      for (const r of p.relocations) {
        const insn = prog.insns[prog.indexOfPc[r.insn] ?? -1];
        if (r.kind === 'builtin') expect(insn?.code).toBe(Code.CALL_KFUNC);
        else expect(insn).toMatchObject({ code: Code.LDDW, imm: r.mapIndex });
      }
    }
  });
});
