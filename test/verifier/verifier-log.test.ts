// What the verifier tells people: the rejection report (message, instruction, state, path, C
// line) and the full walk with `log: true`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/elf/index.js';
import { assembleProgram, decode } from '../../src/isa/index.js';
import { verify } from '../../src/verifier/index.js';

describe('verifier log', () => {
  const asm = `
    ldxw %r2, [%r1]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, out
    ldxb %r0, [%r2+14]
    exit
  out:
    mov %r0, 0
    exit`;

  it('reports a rejection with the instruction, the state and the path', () => {
    const r = verify(assembleProgram(asm), { progType: 'xdp' });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('VERIFY_OUT_OF_BOUNDS');
    expect(r.error?.insn).toBe(5);
    const log = r.log ?? '';
    expect(log).toContain('5: (71) ldxb %r0, [%r2+14]');
    expect(log).toMatch(/state: .*R1=ctx\(\)/);
    expect(log).toMatch(/R2=pkt\(r=14\)/);
    expect(log).toContain('R10=fp0');
    expect(log).toContain('path: 4->5');
  });

  it('gives the full walk in the kernel style with log: true', () => {
    const r = verify(assembleProgram(asm.replace('[%r2+14]', '[%r2+13]')), {
      progType: 'xdp',
      log: true,
    });
    expect(r.ok, r.log).toBe(true);
    const log = r.log ?? '';
    expect(log).toMatch(/^0: \(61\) ldxw %r2, \[%r1\] +; R2_w=pkt\(r=0\)$/m);
    expect(log).toMatch(/^3: \(07\) add %r4, 14 +; R4_w=pkt\(off=14,r=0\)$/m);
    expect(log).toMatch(/^processed \d+ insns$/m);
  });

  it('names the C line when the program has line info', () => {
    const obj = loadObject(readFileSync(join(import.meta.dirname, 'fixtures/bad_map_oob.o')));
    const p = obj.programs[0];
    if (p === undefined) throw new Error('no program');
    const r = verify(decode(p.insns), {
      progType: p.type,
      maps: obj.maps,
      ...(p.lineInfo ? { lineInfo: p.lineInfo } : {}),
    });
    expect(r.error?.code).toBe('VERIFY_OUT_OF_BOUNDS');
    expect(r.error?.line).toBe(11);
    expect(r.log).toContain('bad_map_oob.c:11');
  });
});
