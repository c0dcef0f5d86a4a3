// C programs compiled with clang-19 (fixtures/*.c -> *.o) against the Linux kernel's verdicts
// recorded by fixtures/record.py (fixtures/kernel-verdicts.json): we accept what the kernel
// accepts and reject what it rejects, at the same instruction. Also: every corpus object (all
// accepted by the kernel, corpus/golden/verifier.json) must verify.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/elf/index.js';
import { decode } from '../../src/isa/index.js';
import { verify } from '../../src/verifier/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const CORPUS = join(import.meta.dirname, '../../corpus/obj');

interface KernelVerdict {
  readonly accepted: boolean;
  readonly reason?: string;
  readonly insn?: number | null;
}
const golden = JSON.parse(readFileSync(join(FIXTURES, 'kernel-verdicts.json'), 'utf8')) as {
  kernel: string;
  fixtures: Record<string, KernelVerdict>;
};

function verifyObject(
  path: string,
): { name: string; ok: boolean; insn: number | undefined; log: string | undefined }[] {
  const obj = loadObject(readFileSync(path));
  return obj.programs.map((p) => {
    const r = verify(decode(p.insns), {
      progType: p.type,
      maps: obj.maps,
      ...(p.lineInfo !== undefined ? { lineInfo: p.lineInfo } : {}),
    });
    return { name: p.name, ok: r.ok, insn: r.error?.insn, log: r.log };
  });
}

describe(`C fixtures against kernel ${golden.kernel}`, () => {
  const names = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.c'))
    .map((f) => f.slice(0, -2));
  it('every fixture has a recorded kernel verdict', () => {
    expect(names.length).toBeGreaterThanOrEqual(15);
    for (const n of names) expect(golden.fixtures[n], n).toBeDefined();
  });
  it.each(names)('%s', (name) => {
    const k = golden.fixtures[name] as KernelVerdict;
    const [ours] = verifyObject(join(FIXTURES, `${name}.o`));
    expect(ours, 'one program').toBeDefined();
    expect(ours?.ok, ours?.log ?? k.reason).toBe(k.accepted);
    if (!k.accepted && k.insn !== null && k.insn !== undefined)
      expect(ours?.insn, ours?.log).toBe(k.insn);
  });
});

describe('corpus objects (all accepted by the kernel)', () => {
  const objs = readdirSync(CORPUS).filter((f) => f.endsWith('.o'));
  it.each(objs)('%s', (file) => {
    for (const p of verifyObject(join(CORPUS, file)))
      expect(p.ok, `${file}:${p.name}\n${p.log ?? ''}`).toBe(true);
  });
});
