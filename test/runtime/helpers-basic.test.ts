import { describe, expect, it } from 'vitest';
import { Lfsr113 } from '../../src/runtime/helpers/index.js';
import { setCurrentCpu } from '../../src/runtime/maps/index.js';
import { ENGINES, HOST, exec, makeVm, r0Of, signed } from './helpers-util.js';

const call = (id: number): string => `call ${id}\nexit`;

describe.each(ENGINES)('time helpers on %s', (engine) => {
  // HOST: monotonic clock 5_000_000_123 ns, HZ 250 (a 4 ms tick).
  it('ktime_get_ns is the host clock', () => {
    expect(r0Of(engine, call(5))).toBe(5_000_000_123n);
  });
  it('ktime_get_boot_ns adds the time suspended', () => {
    expect(r0Of(engine, call(125), undefined, { ...HOST, suspendedNs: 7n })).toBe(5_000_000_130n);
  });
  it('ktime_get_coarse_ns is the clock at the last tick', () => {
    expect(r0Of(engine, call(160))).toBe(5_000_000_000n);
  });
  it('jiffies64 starts at INITIAL_JIFFIES (-300 * HZ as u32) and counts ticks', () => {
    expect(r0Of(engine, call(118))).toBe(2n ** 32n - 300n * 250n + 1250n);
  });
  it('a host clock that wraps is read modulo 2^64', () => {
    expect(r0Of(engine, call(5), undefined, { ...HOST, clock: () => -1n })).toBe(2n ** 64n - 1n);
  });
});

describe.each(ENGINES)('get_prandom_u32 on %s', (engine) => {
  // Three draws packed into r0 (low 21 bits of each) so one run shows the sequence.
  const three = `
    call 7
    mov %r6, %r0
    and %r6, 0x1fffff
    call 7
    and %r0, 0x1fffff
    lsh %r6, 21
    or %r6, %r0
    call 7
    and %r0, 0x1fffff
    lsh %r6, 21
    or %r0, %r6
    exit`;

  it('is deterministic for a seed and matches the generator', () => {
    const rng = new Lfsr113(42n);
    const m = 0x1fffffn;
    const a = BigInt(rng.next()) & m;
    const b = BigInt(rng.next()) & m;
    const c = BigInt(rng.next()) & m;
    const expected = (a << 42n) | (b << 21n) | c;
    expect(r0Of(engine, three)).toBe(expected);
    expect(r0Of(engine, three)).toBe(expected);
  });

  it('depends on the seed', () => {
    expect(r0Of(engine, three, undefined, { ...HOST, seed: 43 })).not.toBe(r0Of(engine, three));
  });

  it('returns a zero-extended u32', () => {
    const vm = makeVm(engine);
    vm.load(call(7));
    for (let k = 0; k < 50; k++) expect(vm.run().r0 < 2n ** 32n).toBe(true);
  });
});

describe('Lfsr113', () => {
  it('spreads its output over all 32 bits', () => {
    const rng = new Lfsr113(1n);
    let or = 0;
    let and = 0xffffffff;
    const seen = new Set<number>();
    for (let k = 0; k < 1000; k++) {
      const v = rng.next();
      or |= v;
      and &= v;
      seen.add(v);
    }
    expect(or >>> 0).toBe(0xffffffff);
    expect(and).toBe(0);
    expect(seen.size).toBe(1000);
  });
});

describe.each(ENGINES)('cpu helpers on %s', (engine) => {
  it('get_smp_processor_id follows the virtual CPU of the per-CPU maps', () => {
    const vm = makeVm(engine);
    expect(exec(vm, call(8)).r0).toBe(0n);
    setCurrentCpu(vm.memory, 3, 4);
    expect(vm.run().r0).toBe(3n);
  });
  it('get_numa_node_id is the host node', () => {
    expect(r0Of(engine, call(42))).toBe(3n);
  });
});

describe.each(ENGINES)('task helpers on %s', (engine) => {
  const noTask = { ...HOST, task: 0n };

  it('get_current_pid_tgid is tgid << 32 | pid', () => {
    expect(r0Of(engine, call(14))).toBe((1234n << 32n) | 4321n);
  });
  it('get_current_uid_gid is gid << 32 | uid', () => {
    expect(r0Of(engine, call(15))).toBe((100n << 32n) | 1000n);
  });
  it('get_current_task is the host task pointer', () => {
    expect(r0Of(engine, call(35))).toBe(0xffff_8880_1234_5000n);
  });
  it('without a task, pid_tgid and uid_gid are -EINVAL', () => {
    expect(signed(r0Of(engine, call(14), undefined, noTask))).toBe(-22n);
    expect(signed(r0Of(engine, call(15), undefined, noTask))).toBe(-22n);
  });

  // get_current_comm into the input buffer (pre-filled with 0xff), r0 = result.
  const comm = (size: number): string => `
    mov %r2, ${size}
    call 16
    exit`;

  it.each([
    [16, 'test-comm', 16],
    [10, 'test-comm', 10],
    [5, 'test', 5],
    [1, '', 1],
  ])('get_current_comm with size %i copies "%s" and pads with zeros', (size, text, padded) => {
    const out = exec(makeVm(engine), comm(size), new Uint8Array(20).fill(0xff));
    expect(out.r0).toBe(0n);
    const want = new Uint8Array(20).fill(0xff);
    want.fill(0, 0, padded);
    want.set(new TextEncoder().encode(text), 0);
    expect(out.output).toEqual(want);
  });

  it('get_current_comm keeps 15 bytes of a longer comm', () => {
    const host = { ...HOST, comm: 'a-very-long-command-name' };
    const out = exec(makeVm(engine, host), comm(20), new Uint8Array(20).fill(0xff));
    expect(new TextDecoder().decode(out.output.subarray(0, 16))).toBe('a-very-long-com\0');
    expect(out.output.subarray(16)).toEqual(new Uint8Array(4));
  });

  it('get_current_comm without a task zeroes the buffer and returns -EINVAL', () => {
    const out = exec(makeVm(engine, noTask), comm(8), new Uint8Array(10).fill(0xff));
    expect(signed(out.r0!)).toBe(-22n);
    expect(out.output).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]));
  });

  it('get_current_comm into memory outside every region traps at the call', () => {
    const out = exec(makeVm(engine), `mov %r1, 16\nmov %r2, 16\ncall 16\nexit`);
    expect(out.trap).toEqual({ code: 'OUT_OF_BOUNDS', insn: 2 });
  });
});
