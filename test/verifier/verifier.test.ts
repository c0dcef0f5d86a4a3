// The verifier's accept/reject table (cases.ts): each case aims at one rule and checks the
// verdict, and for rejections the error code and the instruction index.

import { describe, expect, it } from 'vitest';
import { assembleProgram } from '../../src/isa/index.js';
import { verify } from '../../src/verifier/index.js';
import { CASES, MAPS } from './cases.js';

describe('verifier cases', () => {
  it('has at least 200 cases with unique names', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(200);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const program = assembleProgram(c.asm);
    const r = verify(program, {
      progType: c.type,
      maps: MAPS,
      ...(c.maxInsns !== undefined ? { maxInsns: c.maxInsns } : {}),
      ...(c.memSize !== undefined ? { memSize: c.memSize } : {}),
    });
    if (c.expect === 'ok') {
      expect(r.error?.message ?? 'ok', r.log).toBe('ok');
      expect(r.ok).toBe(true);
    } else {
      expect(r.ok, 'expected a rejection').toBe(false);
      expect({ code: r.error?.code, insn: r.error?.insn }, r.log).toEqual({
        code: c.expect[0],
        insn: c.expect[1],
      });
      expect(r.error?.stage).toBe('verify');
    }
  });
});
