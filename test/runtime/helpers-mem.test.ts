import { describe, expect, it } from 'vitest';
import { csumFold } from '../../src/runtime/helpers/index.js';
import { ENGINES, bytes, exec, makeVm, signed } from './helpers-util.js';

/** r1 = input; the program sets r2..r5 relative to it and calls `id`. */
const callWith = (id: number, setup: string): string => `
  mov %r6, %r1
  ${setup}
  call ${id}
  exit`;

describe.each(ENGINES)('probe_read helpers on %s', (engine) => {
  const input = (): Uint8Array => {
    const b = new Uint8Array(32).fill(0xee);
    b.set(bytes('hello\0world'), 16);
    return b;
  };

  it.each([4, 112, 113])('helper %i copies size bytes and returns 0', (id) => {
    // Copy 6 bytes from input+16 to input+0.
    const out = exec(
      makeVm(engine),
      callWith(id, 'mov %r2, 6\nmov %r3, %r6\nadd %r3, 16'),
      input(),
    );
    expect(out.r0).toBe(0n);
    expect(out.output.subarray(0, 8)).toEqual(Uint8Array.from([...bytes('hello\0'), 0xee, 0xee]));
  });

  it.each([4, 112, 113])(
    'helper %i zeroes dst and returns -EFAULT for an unmapped source',
    (id) => {
      for (const src of ['mov %r3, 0', 'mov %r3, 0x1008', 'lddw %r3, 0x100004000']) {
        const out = exec(makeVm(engine), callWith(id, `mov %r2, 6\n${src}`), input());
        expect(signed(out.r0!)).toBe(-14n);
        expect(out.output.subarray(0, 8)).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0xee, 0xee]));
      }
    },
  );

  it('a source running past its region faults as a whole', () => {
    const out = exec(makeVm(engine), callWith(4, 'mov %r2, 8\nmov %r3, %r6\nadd %r3, 28'), input());
    expect(signed(out.r0!)).toBe(-14n);
  });

  it('size 0 copies nothing and returns 0', () => {
    const out = exec(makeVm(engine), callWith(113, 'mov %r2, 0\nmov %r3, 0'), input());
    expect(out.r0).toBe(0n);
    expect(out.output).toEqual(input());
  });

  it('a destination outside every region traps at the call', () => {
    const out = exec(
      makeVm(engine),
      `mov %r3, %r1\nmov %r1, 0x100\nmov %r2, 4\ncall 113\nexit`,
      input(),
    );
    expect(out.trap).toEqual({ code: 'OUT_OF_BOUNDS', insn: 3 });
  });

  it.each([45, 114, 115])('helper %i copies a string with its NUL and returns its length', (id) => {
    const out = exec(
      makeVm(engine),
      callWith(id, 'mov %r2, 16\nmov %r3, %r6\nadd %r3, 16'),
      input(),
    );
    expect(out.r0).toBe(6n);
    // The bytes after the NUL are left alone.
    expect(out.output.subarray(0, 8)).toEqual(Uint8Array.from([...bytes('hello\0'), 0xee, 0xee]));
  });

  it.each([45, 114, 115])('helper %i cuts a long string at size-1 and returns size', (id) => {
    const out = exec(
      makeVm(engine),
      callWith(id, 'mov %r2, 3\nmov %r3, %r6\nadd %r3, 16'),
      input(),
    );
    expect(out.r0).toBe(3n);
    expect(out.output.subarray(0, 4)).toEqual(Uint8Array.from([...bytes('he\0'), 0xee]));
  });

  it.each([45, 114, 115])(
    'helper %i zeroes dst and returns -EFAULT when the string faults',
    (id) => {
      // The last 4 bytes of the input hold no NUL, and the input ends there.
      const out = exec(
        makeVm(engine),
        callWith(id, 'mov %r2, 10\nmov %r3, %r6\nadd %r3, 28'),
        input(),
      );
      expect(signed(out.r0!)).toBe(-14n);
      expect(out.output.subarray(0, 12)).toEqual(
        Uint8Array.from([...new Array(10).fill(0), 0xee, 0xee]),
      );
    },
  );

  it('probe_read_str with size 0 returns 0', () => {
    const out = exec(makeVm(engine), callWith(45, 'mov %r2, 0\nmov %r3, 0'), input());
    expect(out.r0).toBe(0n);
  });
});

describe.each(ENGINES)('strncmp on %s', (engine) => {
  // input: s1 at 0, s2 at 16.
  const cmp = (s1: string, n: number, s2: string): bigint => {
    const b = new Uint8Array(32);
    b.set(bytes(s1), 0);
    b.set(bytes(s2), 16);
    const out = exec(makeVm(engine), callWith(182, `mov %r2, ${n}\nmov %r3, %r6\nadd %r3, 16`), b);
    return signed(out.r0!);
  };
  it.each([
    ['abc', 3, 'abc', 0n],
    ['abc', 4, 'abc', 0n],
    ['abc', 3, 'abd', -1n],
    ['abe', 3, 'abd', 1n],
    ['abe', 2, 'abd', 0n],
    ['ab', 4, 'abc', -1n],
    ['abc', 4, 'ab', 1n],
    ['\xff', 1, 'a', 1n], // unsigned char compare (UTF-8 lead byte 0xc3)
    ['', 0, 'x', 0n],
  ])('strncmp("%s", %i, "%s") = %i', (s1, n, s2, want) => {
    expect(cmp(s1, n, s2)).toBe(want);
  });
});

describe.each(ENGINES)('csum_diff on %s', (engine) => {
  // input: `from` at 0 (len fromLen), `to` at 64 (len toLen).
  const diff = (
    from: number[],
    to: number[],
    seed: number,
    fromLen = from.length,
    toLen = to.length,
  ): bigint => {
    const b = new Uint8Array(128);
    b.set(from, 0);
    b.set(to, 64);
    const setup = `
      mov %r2, ${fromLen}
      mov %r3, %r6
      add %r3, 64
      mov %r4, ${toLen}
      mov %r5, ${seed}`;
    const out = exec(makeVm(engine), `${callWith(28, setup)}`, b);
    if (out.r0 === undefined) throw new Error(JSON.stringify(out.trap));
    return signed(out.r0);
  };

  // The IPv4 header of the classic example (checksum field zeroed): checksum 0xb861.
  const hdr = [
    0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7,
  ];

  it('pushing data: the partial sum of `to` folds to the header checksum', () => {
    const sum = diff([], hdr, 0);
    expect(sum >= 0n && sum < 2n ** 32n).toBe(true);
    // csum_fold's u16 stored little-endian gives the network-order bytes b8 61.
    expect(csumFold(Number(sum))).toBe(0x61b8);
  });

  it('diffing: replacing a word updates a checksum like recomputing it', () => {
    const changed = [...hdr];
    changed[8] = 0x3f; // TTL 64 -> 63
    const full = (h: number[]): number => csumFold(Number(diff([], h, 0)));
    const d = Number(diff(hdr.slice(8, 12), changed.slice(8, 12), 0));
    // Seed the old sum (before folding) and fold: equals the checksum of the changed header.
    const oldSum = Number(diff([], hdr, 0));
    const updated = Number(diff(hdr.slice(8, 12), changed.slice(8, 12), oldSum));
    expect(csumFold(updated)).toBe(full(changed));
    // ~0x00001140 + 0x0000113f (the words read little-endian): one's-complement -1.
    expect(d).toBe(0xfffffffe);
  });

  it('one word in, one word out, with end-around carry', () => {
    // ~0x00000001 + 0x00000002 = 0xfffffffe + 2 -> 0x1_0000_0000 -> 1
    expect(diff([1, 0, 0, 0], [2, 0, 0, 0], 0)).toBe(1n);
    expect(diff([], [], 0x1234)).toBe(0x1234n);
    expect(diff([], [0xff, 0xff, 0xff, 0xff], 1)).toBe(1n);
  });

  it('sizes not a multiple of 4 or over 512 bytes in total are -EINVAL', () => {
    expect(diff([1, 2, 3], [], 0)).toBe(-22n);
    expect(diff([], [1, 2, 3, 4, 5, 6], 0)).toBe(-22n);
    expect(diff([], [], 0, 256, 260)).toBe(-22n);
  });
});

describe.each(ENGINES)('spin_lock on %s', (engine) => {
  it('lock sets the word, unlock clears it', () => {
    const prog = `
      mov %r6, %r1
      call 93
      ldxw %r7, [%r6]
      mov %r1, %r6
      call 94
      ldxw %r0, [%r6]
      lsh %r7, 8
      or %r0, %r7
      exit`;
    const out = exec(makeVm(engine), prog, new Uint8Array(8));
    expect(out.r0).toBe(0x100n);
    expect(out.output).toEqual(new Uint8Array(8));
  });

  it('taking a held lock is a DEADLOCK at the second call', () => {
    const prog = `
      mov %r6, %r1
      call 93
      mov %r1, %r6
      call 93
      exit`;
    const out = exec(makeVm(engine), prog, new Uint8Array(8));
    expect(out.trap).toEqual({ code: 'DEADLOCK', insn: 3 });
  });

  it('a lock outside writable memory traps at the call', () => {
    const out = exec(makeVm(engine), 'mov %r1, 8\ncall 93\nexit');
    expect(out.trap).toEqual({ code: 'OUT_OF_BOUNDS', insn: 1 });
  });
});
