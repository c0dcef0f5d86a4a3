// The CFG (blocks, deduplicated edges, subprograms, unreachable code dropped), the dominator
// computation (checked against a brute-force definition on random graphs) and the structurer's
// reducibility decision and output shape.

import { describe, expect, it } from 'vitest';
import { assembleProgram } from '../../src/isa/asm.js';
import { buildCfg, structure, type Stmt } from '../../src/jit/index.js';
import { analyze, dominates } from '../../src/jit/dominators.js';

describe('CFG', () => {
  it('splits blocks at jump targets and after jumps, and dedupes a +0 conditional jump', () => {
    const cfg = buildCfg(
      assembleProgram('mov %r0, 1\njeq %r0, 1, +0\nadd %r0, 1\njne %r0, 2, +1\nmov %r0, 9\nexit'),
    );
    expect(cfg.blocks.map((b) => [b.first, b.last, b.end, b.succs])).toEqual([
      [0, 1, 'goto', [1]],
      [2, 3, 'cond', [3, 2]],
      [4, 4, 'goto', [3]],
      [5, 5, 'exit', []],
    ]);
  });

  it('finds subprograms and drops unreachable blocks', () => {
    const cfg = buildCfg(
      assembleProgram('call local f\nexit\nmov %r0, 5\nexit\nf:\nmov %r0, 1\nexit'),
    );
    expect(cfg.subprograms.map((s) => [s.entryPc, s.blocks.length])).toEqual([
      [0, 1],
      [4, 1],
    ]);
    const used = new Set(cfg.subprograms.flatMap((s) => s.blocks));
    expect(used.has(1)).toBe(false); // `mov %r0, 5; exit` is dead
  });

  it('a conditional jump at the very end gets a trap block for its fallthrough', () => {
    const cfg = buildCfg(assembleProgram('mov %r0, 0\njeq %r0, 0, -2'));
    const last = cfg.blocks[cfg.blocks.length - 1];
    expect(last?.end).toBe('falloff');
    expect(cfg.blocks[0]?.succs).toEqual([0, last?.id]);
  });
});

/** Random graph on n nodes, every node reachable from 0. */
function randomGraph(n: number, seed: number): number[][] {
  let s = seed;
  const rnd = (k: number): number => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s >>> 8) % k;
  };
  const succs: number[][] = Array.from({ length: n }, () => []);
  for (let v = 1; v < n; v++) succs[rnd(v)]?.push(v);
  for (let e = 0; e < n; e++) {
    const a = rnd(n);
    const b = rnd(n);
    if (!succs[a]?.includes(b)) succs[a]?.push(b);
  }
  return succs;
}

/** a dominates b iff b is unreachable from 0 once a is removed. */
function bruteDominates(succs: number[][], a: number, b: number): boolean {
  if (a === b) return true;
  if (a === 0) return true;
  const seen = new Set<number>([0]);
  const stack = [0];
  while (stack.length > 0) {
    const v = stack.pop() as number;
    for (const w of succs[v] ?? []) {
      if (w === a || seen.has(w)) continue;
      seen.add(w);
      stack.push(w);
    }
  }
  return !seen.has(b);
}

describe('dominators (Lengauer-Tarjan)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('agree with the definition on random graph %i', (seed) => {
    const succs = randomGraph(40, seed);
    const info = analyze(succs);
    for (let a = 0; a < 40; a++) {
      for (let b = 0; b < 40; b++) {
        expect(dominates(info, a, b)).toBe(bruteDominates(succs, a, b));
      }
    }
  });
});

function kinds(stmts: readonly Stmt[]): string {
  return stmts
    .map((s) => {
      switch (s.k) {
        case 'block':
        case 'loop':
          return `${s.k}(${kinds(s.body)})`;
        case 'if':
          return `if(${kinds(s.then)})`;
        case 'br':
        case 'brIf':
        case 'code':
        case 'exit':
        case 'falloff':
          return s.k;
      }
    })
    .join(' ');
}

describe('structure', () => {
  it('a loop becomes `loop`, the back edge a br_if to it', () => {
    const cfg = buildCfg(assembleProgram('mov %r0, 9\nl:\nsub %r0, 1\njne %r0, 0, l\nexit'));
    const s = structure(cfg, cfg.subprograms[0]!);
    expect(s.kind).toBe('nested');
    if (s.kind !== 'nested') return;
    expect(kinds(s.body)).toBe('code loop(code brIf code exit)');
    expect(s.loops).toBe(1);
    expect(s.entryCharge).toBe(2); // mov and exit run once each
  });

  it('an if-else chain stays flat (the then-arm never falls through)', () => {
    const asm = Array.from({ length: 50 }, (_, i) => `jeq %r1, ${i}, +2\nmov %r0, ${i}\nexit`).join(
      '\n',
    );
    const cfg = buildCfg(assembleProgram(`${asm}\nmov %r0, 0\nexit`));
    const s = structure(cfg, cfg.subprograms[0]!);
    expect(s.kind).toBe('nested');
    if (s.kind === 'nested')
      expect(s.body.every((x) => x.k !== 'block' || x.body.length < 10)).toBe(true);
  });

  it('a loop with two entries is irreducible', () => {
    const cfg = buildCfg(
      assembleProgram('jeq %r1, 0, +2\nb:\nadd %r0, 1\njgt %r0, 5, +1\nc:\nja b\nexit'),
    );
    expect(structure(cfg, cfg.subprograms[0]!).kind).toBe('irreducible');
  });
});
