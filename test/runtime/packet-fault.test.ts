// A legacy packet load (ld_abs/ld_ind) past the packet ends a socket filter or tc program with
// r0 = 0, as the kernel does. Prepared for an object, every engine does that in the program
// itself (no trap, no RunError: the executable just returns 0), while a raw program on the Vm
// still traps OUT_OF_BOUNDS at the instruction, as the interpreter and conformance tests expect.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAot } from '../../src/aot/compile.js';
import { AotObject } from '../../src/aot/object.js';
import '../../src/jit/index.js';
import { CTX_BASE } from '../../src/runtime/layout.js';
import type { ObjectRuntime } from '../../src/runtime/object/index.js';
import { Vm } from '../../src/vm.js';
import { CORPUS, hex } from '../corpus/replay.js';

const OBJECT = join(CORPUS, 'obj', 'socket_filter.o');
const golden = JSON.parse(
  readFileSync(join(CORPUS, 'golden', 'socket_filter.dns_filter.json'), 'utf8'),
) as { runs: Array<{ desc: string; packetIn: string; r0?: string }> };
// The kernel's run whose UDP header is cut short: the filter's ld_abs reads past the packet.
const cut = golden.runs.find((r) => r.desc.startsWith('udp header cut'));

function objects(): Array<[string, ObjectRuntime]> {
  const bytes = readFileSync(OBJECT);
  const aot = new AotObject(new WebAssembly.Module(compileAot(bytes).wasm));
  return [
    ['interp', Vm.open(bytes, { engine: 'interp' })],
    ['jit', Vm.open(bytes, { engine: 'jit' })],
    ['aot', aot],
  ];
}

describe('ld_abs past the packet in a socket filter', () => {
  it('the golden file has such a run, and the kernel returned 0', () => {
    expect(cut?.r0 !== undefined && BigInt(cut.r0)).toBe(0n);
  });

  for (const [engine, obj] of objects()) {
    it(`${engine}: the program itself returns 0`, () => {
      const packet = hex((cut as { packetIn: string }).packetIn);
      // Lay the context out with a run, then call the executable alone: it must not throw.
      expect(obj.run('dns_filter', { packet }).r0).toBe(0n);
      const exe = obj.prepare('dns_filter');
      expect(exe.run(CTX_BASE, packet.length)).toBe(0n);
      // And a good packet after it still gives the kernel's answer.
      const good = golden.runs[0] as { packetIn: string; r0: string };
      expect(obj.run('dns_filter', { packet: hex(good.packetIn) }).retval).toBe(Number(good.r0));
    });
  }
});

describe('ld_abs past the input of a raw program', () => {
  for (const engine of ['interp', 'jit'] as const) {
    it(`${engine}: traps OUT_OF_BOUNDS at the instruction`, () => {
      const vm = new Vm({ engine, verify: false });
      vm.load('mov %r6, %r1\nldabsw 100\nexit');
      expect(() => vm.run(new Uint8Array(8))).toThrow(
        expect.objectContaining({ code: 'OUT_OF_BOUNDS', insn: 1 }),
      );
    });
  }
});
