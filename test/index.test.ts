// The public entry point exposes the API the README shows, without importing binaryen.
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API (src/index.ts)', () => {
  it('loads, verifies and runs a program through the Vm', () => {
    const vm = new api.Vm().load('mov %r0, %r2\nexit\n');
    expect(vm.run(new Uint8Array(5)).r0).toBe(5n);
  });

  it('exports the toolkit and the error type', () => {
    const bytes = api.assemble('mov %r0, 1\nexit\n');
    expect(api.disassemble(api.decode(bytes))).toBe('mov %r0, 1\nexit\n');
    expect(() => api.decode(new Uint8Array(3))).toThrow(api.DecodeError);
  });

  it('does not register the JIT by itself', () => {
    expect(api.engineNames()).not.toContain('jit');
  });
});
