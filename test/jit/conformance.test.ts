// The bpf_conformance suite (../shared/conformance/tests/*.data) on the JIT, through the Vm:
// r1 = a copy of `-- mem`, r2 its length, r0 must equal `-- result`. Every module is validated
// by binaryen, and each test also runs on the interpreter, whose r0 and output must agree.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataFile } from '../../src/conformance/data-file.js';
import { BpfError } from '../../src/errors.js';
import { jitOptions } from '../../src/jit/index.js';
import { Vm } from '../../src/vm.js';

const DIR = join(import.meta.dirname, '../../../shared/conformance/tests');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.data'))
  .sort();

jitOptions.validate = true;
// JIT_OPTIMIZE=1 runs the suite on binaryen-optimized code.
jitOptions.optimize = process.env.JIT_OPTIMIZE === '1';

describe('bpf_conformance on the JIT', () => {
  it('finds the whole suite', () => {
    expect(files.length).toBe(313);
  });

  const jit = new Vm({ engine: 'jit' });
  const interp = new Vm({ engine: 'interp' });
  // call_unwind_fail and callx call helper 5 and expect it to return normally.
  jit.registerHelper(5, () => 0, 'conformance_nop');
  interp.registerHelper(5, () => 0, 'conformance_nop');

  it.each(files)('%s', (file) => {
    const test = parseDataFile(readFileSync(join(DIR, file), 'utf8'));
    const code = test.raw ?? test.asm ?? '';
    if (test.error !== undefined) {
      expect(() => jit.load(code).run(test.mem)).toThrow(BpfError);
      return;
    }
    const got = jit.load(code).run(test.mem);
    expect(got.r0).toBe(test.result);
    const want = interp.load(code).run(test.mem);
    expect(got.output).toEqual(want.output);
  });
});
