// The light runtime (src/aot/runtime.ts, published as ebpf-wasm/runtime) must not pull in
// binaryen or wabt, nor the stages it does not need (ELF loader, verifier, decoder, maps.wat
// compilation): walk its static and dynamic imports from the sources. The built package is
// checked at run time in test/cli/spawn.test.ts (a resolve hook that refuses both packages).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Every src file and package reachable from `entry` by value imports (type-only ones erased). */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  const IMPORT =
    /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (m[2] !== undefined) continue; // import type / export type: erased by tsc
      const spec = (m[3] ?? m[4]) as string;
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const path = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(path)) todo.push(path);
    }
  }
  return { files: [...files].map((f) => relative(SRC, f)).sort(), packages: [...packages].sort() };
}

describe('ebpf-wasm/runtime imports', () => {
  const graph = importGraph(join(SRC, 'aot/runtime.ts'));

  it('no package but node built-ins', () => {
    expect(graph.packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
  });

  it('none of the compiling stages', () => {
    const heavy = graph.files.filter(
      (f) =>
        f === 'jit/binaryen.ts' ||
        f === 'jit/codegen.ts' ||
        f === 'aot/compile.ts' ||
        f === 'runtime/maps/module.ts' ||
        f.startsWith('elf/') ||
        f.startsWith('verifier/') ||
        f.startsWith('interp/') ||
        f.startsWith('isa/'),
    );
    expect(heavy).toEqual([]);
  });

  it('reaches what it runs on', () => {
    expect(graph.files).toContain('aot/object.ts');
    expect(graph.files).toContain('jit/executable.ts');
    expect(graph.files).toContain('runtime/object/runtime.ts');
  });
});
