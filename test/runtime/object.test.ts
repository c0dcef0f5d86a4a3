// Objects at run time (Vm.open): one memory and map set for all programs, relocation of map
// and global-data references, the load-time helper check, tail calls, the kernel's ld_abs
// behaviour, and the memset/memcpy/memmove/memcmp built-ins in both engines.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BpfError, LoadError } from '../../src/errors.js';
import '../../src/jit/index.js';
import { Code, LddwSrc } from '../../src/isa/index.js';
import type { EngineName } from '../../src/runtime/engine.js';
import { MAX_TAIL_CALL_CNT } from '../../src/runtime/object/index.js';
import { Vm } from '../../src/vm.js';

const OBJ = new URL('../../corpus/obj/', import.meta.url).pathname;
const ENGINES: readonly EngineName[] = ['interp', 'jit'];

function thrown(f: () => unknown): BpfError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BpfError);
    return e as BpfError;
  }
  throw new Error('expected a throw');
}

/** Ethernet + IPv4 + TCP SYN 192.168.1.10:40000 -> 10.0.0.1:80, as in the corpus setups. */
const SYN = Uint8Array.from(
  Buffer.from(
    '0200000000020200000000010800450000280000400040066f1dc0a8010a0a0000019c40005000000001000000005002ffff479e0000',
    'hex',
  ),
);

describe('Vm.open', () => {
  it('opens from a path or bytes and lists programs and maps', () => {
    const a = Vm.open(`${OBJ}tail_calls.o`);
    const b = Vm.open(readFileSync(`${OBJ}tail_calls.o`));
    expect(a.programs.map((p) => p.name)).toEqual(b.programs.map((p) => p.name));
    expect(a.programs.map((p) => p.name)).toContain('xdp_dispatch');
    expect(a.program('xdp_dispatch').type).toBe('xdp');
    expect([...a.maps].map((m) => m.name).sort()).toEqual(['hits', 'jmp_table']);
    expect(thrown(() => a.program('nope')).code).toBe('PROG_NOT_FOUND');
    expect(thrown(() => Vm.open(`${OBJ}does-not-exist.o`)).code).toBe('IO');
  });

  it('patches map and global-data lddw to addresses and keeps the original', () => {
    const obj = Vm.open(`${OBJ}global_data.o`);
    const p = obj.program('xdp_globals');
    const refs = p.original.insns.filter(
      (i) => i.code === Code.LDDW && (i.src === LddwSrc.MAP_IDX || i.src === LddwSrc.MAP_IDX_VALUE),
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const orig of refs) {
      const patched = p.program.insns[p.program.indexOfPc[orig.pc]!]!;
      expect(patched.src).toBe(0);
      const def = obj.object.maps[orig.imm]!;
      const map = obj.map(def.name);
      const expected =
        orig.src === LddwSrc.MAP_IDX
          ? map.descriptorAddress
          : map.valueAddress(0)! + Number(orig.imm64 >> 32n);
      expect(patched.imm64).toBe(BigInt(expected));
    }
  });

  it('shares maps between programs and runs', () => {
    const obj = Vm.open(`${OBJ}queue_stack.o`);
    obj.run('xdp_remember', { packet: SYN });
    obj.run('xdp_remember', { packet: SYN });
    expect(obj.map('recent_q').peek()).not.toBeNull();
    const before = obj.map('recent_q').pop();
    expect(before).not.toBeNull();
  });

  it('fails at prepare, naming the helper, when a program calls one nobody registered', () => {
    const obj = Vm.open(`${OBJ}socket_filter.o`);
    obj.helpers.unregister(26);
    expect(obj.missingHelpers('syn_filter').map((m) => [m.id, m.name])).toEqual([
      [26, 'bpf_skb_load_bytes'],
    ]);
    const e = thrown(() => obj.prepare('syn_filter'));
    expect(e).toBeInstanceOf(LoadError);
    expect(e.code).toBe('UNKNOWN_HELPER');
    const first = obj
      .program('syn_filter')
      .original.insns.find((i) => i.code === Code.CALL_HELPER && i.imm === 26);
    expect(e.insn).toBe(first?.pc);
    expect(e.message).toContain('bpf_skb_load_bytes');
    expect(thrown(() => obj.run('syn_filter', { packet: SYN })).code).toBe('UNKNOWN_HELPER');
    // Registering it makes the program runnable.
    obj.registerHelper(26, () => 0, 'skb_load_bytes');
    expect(obj.missingHelpers('syn_filter')).toEqual([]);
    expect(() => obj.prepare('syn_filter')).not.toThrow();
  });

  it.each(ENGINES)('follows tail calls and stops after 33 (%s)', (engine) => {
    const obj = Vm.open(`${OBJ}tail_calls.o`, { engine });
    obj.setTailCall('jmp_table', 4, 'xdp_chain_step');
    const res = obj.run('xdp_chain', { packet: SYN });
    expect(res.tailCalls).toBe(MAX_TAIL_CALL_CNT);
    expect(res.program).toBe('xdp_chain_step');
    // An empty slot: bpf_tail_call returns and the program goes on.
    const plain = Vm.open(`${OBJ}tail_calls.o`, { engine }).run('xdp_chain', { packet: SYN });
    expect(plain.tailCalls).toBe(0);
    expect(plain.program).toBe('xdp_chain');
  });

  it.each(ENGINES)(
    'ends a socket filter with r0 = 0 when ld_abs reads past the packet (%s)',
    (engine) => {
      const obj = Vm.open(`${OBJ}socket_filter.o`, { engine });
      // IPv4 UDP to port 53, cut right after the UDP ports (the golden run the kernel answers 0).
      const cut = Uint8Array.from(
        Buffer.from(
          '02000000000202000000000108004500001c0000400040116f1ec0a8010a0a00000100010035',
          'hex',
        ),
      );
      const p = obj.program('dns_filter').program;
      expect(p.insns.some((i) => i.code === Code.LDABSW || i.code === Code.LDINDW)).toBe(true);
      const res = obj.run('dns_filter', { packet: cut });
      expect(res.retval).toBe(0);
      // The interpreter stopped at the failing load, not at an exit.
      if (engine === 'interp') expect(res.executed).toBeGreaterThan(0);
    },
  );

  it('runs a program on both engines with the same results and memory', () => {
    const a = Vm.open(`${OBJ}xdp_adjust.o`, { engine: 'interp' });
    const b = Vm.open(`${OBJ}xdp_adjust.o`, { engine: 'jit' });
    for (const name of ['xdp_ipip_encap', 'xdp_meta', 'xdp_trim']) {
      const ra = a.run(name, { packet: SYN });
      const rb = b.run(name, { packet: SYN });
      expect(rb.r0, name).toBe(ra.r0);
      expect(rb.packet, name).toEqual(ra.packet);
      expect(rb.ctx, name).toEqual(ra.ctx);
      expect(ra.executed).toBeGreaterThan(0);
      expect(rb.executed).toBe(-1);
    }
    expect(a.run('xdp_meta', { packet: SYN }, { engine: 'jit' }).engine).toBe('jit');
  });

  it('rejects inputs that do not fit the program type', () => {
    const obj = Vm.open(`${OBJ}tail_calls.o`);
    expect(thrown(() => obj.run('xdp_chain', { mem: new Uint8Array(4) })).code).toBe('BAD_INPUT');
    expect(thrown(() => obj.run('xdp_chain', { packet: new Uint8Array(0x20000) })).code).toBe(
      'INPUT_TOO_LARGE',
    );
    expect(
      thrown(() => obj.run('xdp_chain', { packet: SYN }, { engine: 'jit', trace: () => undefined }))
        .code,
    ).toBe('UNSUPPORTED');
  });
});

describe.each(ENGINES)('built-ins (%s)', (engine) => {
  // Built-in semantics at run time, out-of-memory ranges included: no verifier.
  const run = (asm: string, mem: Uint8Array) => {
    const vm = new Vm({ engine, verify: false }).load(asm);
    return vm.run(mem);
  };

  it('memset fills and returns dst', () => {
    const res = run(
      `mov %r6, %r1
       mov %r2, 0x1ab
       mov %r3, 5
       call runtime 1
       sub %r0, %r6
       exit`,
      new Uint8Array(8),
    );
    expect(res.r0).toBe(0n);
    expect(Array.from(res.output)).toEqual([0xab, 0xab, 0xab, 0xab, 0xab, 0, 0, 0]);
  });

  it('memcpy and memmove copy (overlapping like memmove) and return dst', () => {
    const res = run(
      `mov %r6, %r1
       mov %r2, %r1
       add %r1, 2
       mov %r3, 6
       call runtime 3
       sub %r0, %r6
       exit`,
      Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    );
    expect(res.r0).toBe(2n);
    expect(Array.from(res.output)).toEqual([1, 2, 1, 2, 3, 4, 5, 6]);
    const cpy = run(
      `mov %r2, %r1
       add %r2, 4
       mov %r3, 4
       call runtime 2
       mov %r0, 0
       exit`,
      Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    );
    expect(Array.from(cpy.output)).toEqual([5, 6, 7, 8, 5, 6, 7, 8]);
  });

  it.each([
    [[1, 2, 3, 1, 2, 3], 0n],
    [[1, 2, 3, 1, 2, 4], -1n],
    [[1, 9, 3, 1, 2, 4], 1n],
    [[0xff, 0, 0, 0x01, 0, 0], 1n],
  ])('memcmp %j gives the sign %d', (bytes, sign) => {
    const res = run(
      `mov %r2, %r1
       add %r2, 3
       mov %r3, 3
       call runtime 4
       exit`,
      Uint8Array.from(bytes),
    );
    expect(res.r0Signed).toBe(sign);
  });

  it('traps OUT_OF_BOUNDS at the call for a range outside the memory', () => {
    const e = thrown(() =>
      run(
        `mov %r2, 0
         lddw %r3, 0x100000000
         call runtime 1
         exit`,
        new Uint8Array(4),
      ),
    );
    expect([e.code, e.insn]).toEqual(['OUT_OF_BOUNDS', 3]);
    const far = thrown(() =>
      run(
        `lddw %r1, 0x7ffffff0
         mov %r2, %r1
         mov %r3, 64
         call runtime 4
         exit`,
        new Uint8Array(4),
      ),
    );
    expect([far.code, far.insn]).toEqual(['OUT_OF_BOUNDS', 4]);
  });
});
