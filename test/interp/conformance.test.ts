// The bpf_conformance suite (../shared/conformance/tests/*.data) on the interpreter, through the
// Vm: r1 = a copy of `-- mem`, r2 its length, r0 must equal `-- result`.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataFile } from '../../src/conformance/data-file.js';
import { BpfError } from '../../src/errors.js';
import { Vm } from '../../src/vm.js';

const DIR = join(import.meta.dirname, '../../../shared/conformance/tests');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.data'))
  .sort();

describe('bpf_conformance on the interpreter', () => {
  it('finds the whole suite', () => {
    expect(files.length).toBe(313);
  });

  const vm = new Vm({ engine: 'interp' });
  // call_unwind_fail and callx call helper 5 and expect it to return normally.
  vm.registerHelper(5, () => 0, 'conformance_nop');

  it.each(files)('%s', (file) => {
    const test = parseDataFile(readFileSync(join(DIR, file), 'utf8'));
    const loadAndRun = (): bigint => {
      vm.load(test.raw ?? test.asm ?? '');
      return vm.run(test.mem).r0;
    };
    if (test.error !== undefined) expect(loadAndRun).toThrow(BpfError);
    else expect(loadAndRun()).toBe(test.result);
  });
});
