import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HELPER_MAX_ID,
  HELPER_NAMES,
  HELPER_PROTOS,
  helperId,
  helperName,
  protoOf,
  standardHelpers,
} from '../../src/runtime/helpers/index.js';
import { PROG_TYPES } from '../../src/elf/prog-type.js';
import { MAP_HELPERS } from '../../src/runtime/maps/index.js';

describe('helper ids', () => {
  it.each([
    [0, 'unspec'],
    [1, 'map_lookup_elem'],
    [4, 'probe_read'],
    [5, 'ktime_get_ns'],
    [6, 'trace_printk'],
    [12, 'tail_call'],
    [28, 'csum_diff'],
    [35, 'get_current_task'],
    [93, 'spin_lock'],
    [118, 'jiffies64'],
    [130, 'ringbuf_output'],
    [160, 'ktime_get_coarse_ns'],
    [165, 'snprintf'],
    [181, 'loop'],
    [182, 'strncmp'],
    [195, 'map_lookup_percpu_elem'],
  ])('%i is %s', (id, name) => {
    expect(helperName(id)).toBe(name);
    expect(helperId(name)).toBe(id);
    expect(helperId(`bpf_${name}`)).toBe(id);
  });

  it('is dense and unique', () => {
    expect(HELPER_NAMES.length).toBe(HELPER_MAX_ID);
    expect(new Set(HELPER_NAMES).size).toBe(HELPER_NAMES.length);
    expect(helperName(HELPER_MAX_ID)).toBeUndefined();
    expect(helperId('no_such_helper')).toBeUndefined();
  });

  // The table is generated from this header; where the header exists, they must agree.
  it.runIf(existsSync('/usr/include/linux/bpf.h'))('matches linux/bpf.h', () => {
    const text = readFileSync('/usr/include/linux/bpf.h', 'utf8');
    const mapper = text.slice(text.indexOf('#define __BPF_FUNC_MAPPER(FN)'));
    const names = [...mapper.matchAll(/^\s*FN\((\w+)/gm)].map((m) => m[1]);
    expect(names.slice(0, HELPER_MAX_ID)).toEqual([...HELPER_NAMES]);
  });
});

describe('HELPER_PROTOS', () => {
  it('has one prototype per id, named as the id table names it, in id order', () => {
    const ids = HELPER_PROTOS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    for (const p of HELPER_PROTOS) {
      expect(helperName(p.id)).toBe(p.name);
      expect(p.args.length).toBeLessThanOrEqual(5);
    }
  });

  it('describes every standard helper and every map helper', () => {
    for (const { name } of standardHelpers()) expect(protoOf(helperId(name)!)?.name).toBe(name);
    for (const [id, name] of MAP_HELPERS) expect(protoOf(id)?.name).toBe(name);
  });

  it('puts every size right after a memory argument', () => {
    const memArgs = new Set([
      'mem',
      'mem_or_null',
      'uninit_mem',
      'writable_mem',
      'writable_mem_or_null',
    ]);
    for (const p of HELPER_PROTOS) {
      p.args.forEach((a, k) => {
        if (a === 'const_size' || a === 'const_size_or_zero') {
          expect(memArgs.has(p.args[k - 1] ?? ''), `${p.name} arg ${k + 1}`).toBe(true);
        }
      });
    }
  });

  it('names program types as the ELF loader does', () => {
    const known = new Set<string>(PROG_TYPES);
    for (const p of HELPER_PROTOS)
      for (const t of p.progTypes ?? []) expect(known.has(t), `${p.name}: ${t}`).toBe(true);
    expect(protoOf(helperId('xdp_adjust_head')!)?.progTypes).toEqual(['xdp']);
  });

  // Spot checks against the kernel's bpf_func_proto definitions.
  it.each([
    ['map_lookup_elem', ['const_map_ptr', 'map_key'], 'map_value_or_null', undefined],
    ['map_pop_elem', ['const_map_ptr', 'uninit_map_value'], 'integer', undefined],
    ['probe_read_kernel', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', true],
    ['get_current_comm', ['uninit_mem', 'const_size'], 'integer', undefined],
    ['trace_printk', ['mem', 'const_size'], 'integer', true],
    ['loop', ['anything', 'func', 'stack_or_null', 'anything'], 'integer', undefined],
    ['strncmp', ['mem', 'const_size', 'const_str'], 'integer', undefined],
    ['spin_lock', ['spin_lock'], 'void', undefined],
    ['tail_call', ['ctx', 'const_map_ptr', 'anything'], 'void', undefined],
    [
      'ringbuf_reserve',
      ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'],
      'ringbuf_mem_or_null',
      undefined,
    ],
    [
      'csum_diff',
      ['mem_or_null', 'const_size_or_zero', 'mem_or_null', 'const_size_or_zero', 'anything'],
      'integer',
      undefined,
    ],
  ] as const)('%s', (name, args, ret, gplOnly) => {
    const p = protoOf(helperId(name)!);
    expect(p?.args).toEqual(args);
    expect(p?.ret).toBe(ret);
    expect(p?.gplOnly).toBe(gplOnly);
  });
});
