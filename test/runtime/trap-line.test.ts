// A run-time trap in an object with BTF line info names the C source line.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunError, VerifyError } from '../../src/errors.js';
import '../../src/jit/index.js';
import { Vm } from '../../src/vm.js';

const OBJ = readFileSync(new URL('./fixtures/trap_line.o', import.meta.url));
const PACKET = Uint8Array.of(0xf0, 0xff, 0xff, 0x7f, 0, 0, 0, 0); // pointer 0x7ffffff0

describe('C source lines in errors', () => {
  it('the verifier refuses the unchecked pointer, naming line 13', () => {
    const obj = Vm.open(OBJ);
    const err = (() => {
      try {
        obj.run('deref', { packet: PACKET });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(VerifyError);
    expect((err as VerifyError).line).toBe(13);
  });

  it.each(['interp', 'jit'] as const)('unverified, the %s trap names line 13', (engine) => {
    const obj = Vm.open(OBJ, { verify: false, engine });
    const err = (() => {
      try {
        obj.run('deref', { packet: PACKET });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RunError);
    expect((err as RunError).code).toBe('OUT_OF_BOUNDS');
    expect((err as RunError).line).toBe(13);
    expect((err as RunError).message).toContain('(line 13)');
  });
});
