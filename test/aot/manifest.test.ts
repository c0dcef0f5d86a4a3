// Modules the light runtime must refuse with a coded LoadError rather than run wrongly or throw a
// raw exception: no manifest, two, one that is not JSON, another format, a malformed shape, a
// memory layout or map layout this runtime does not have. The modules are a real AOT module with
// its manifest section replaced (sections are walked from the binary; the manifest is last).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileAot } from '../../src/aot/compile.js';
import { MANIFEST_SECTION, type Manifest } from '../../src/aot/manifest.js';
import { AotObject } from '../../src/aot/object.js';
import { BpfError } from '../../src/errors.js';
import { appendCustomSection } from '../../src/jit/wasm-binary.js';
import { CORPUS } from '../corpus/replay.js';

const aot = compileAot(readFileSync(join(CORPUS, 'obj', 'counter_array.o')));

/** The module without its last section (the manifest compileAot appends). */
function withoutManifest(wasm: Uint8Array): Uint8Array {
  let at = 8;
  let last = at;
  while (at < wasm.length) {
    last = at;
    at++; // section id
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = wasm[at++] as number;
      size |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    at += size;
  }
  return wasm.slice(0, last);
}

const bare = withoutManifest(aot.wasm);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const withManifest = (m: unknown): Uint8Array =>
  appendCustomSection(bare, MANIFEST_SECTION, text(JSON.stringify(m)));

function refusal(bytes: Uint8Array): { code: string; message: string } {
  try {
    AotObject.fromBytesSync(bytes);
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error('the module was accepted');
}

describe('AOT modules the runtime refuses', () => {
  it('the unmodified module runs (the cut is right)', () => {
    const obj = AotObject.fromBytesSync(withManifest(aot.manifest));
    expect(obj.programs.map((p) => p.name)).toEqual(['xdp_count_proto']);
  });

  it('no manifest, two manifests, not JSON', () => {
    expect(refusal(bare).code).toBe('AOT_BAD_MODULE');
    const twice = appendCustomSection(
      withManifest(aot.manifest),
      MANIFEST_SECTION,
      text(JSON.stringify(aot.manifest)),
    );
    expect(refusal(twice).code).toBe('AOT_BAD_MODULE');
    expect(refusal(appendCustomSection(bare, MANIFEST_SECTION, text('{"format": 1,'))).code).toBe(
      'AOT_BAD_MODULE',
    );
    expect(refusal(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0])).code).toBe('AOT_BAD_MODULE');
  });

  it('another format or layout is a mismatch', () => {
    expect(refusal(withManifest({ ...aot.manifest, format: 2 })).code).toBe('AOT_MISMATCH');
    const layout = { ...aot.manifest.layout, stackBase: aot.manifest.layout.stackBase + 512 };
    const moved = refusal(withManifest({ ...aot.manifest, layout }));
    expect(moved.code).toBe('AOT_MISMATCH');
    expect(moved.message).toMatch(/stackBase/);
    const map = aot.manifest.maps[0] as Manifest['maps'][number];
    const maps = [{ ...map, address: map.address + 128 }, ...aot.manifest.maps.slice(1)];
    expect(refusal(withManifest({ ...aot.manifest, maps })).code).toBe('AOT_MISMATCH');
  });

  it('a malformed shape is a bad module', () => {
    const noMemory = Object.fromEntries(
      Object.entries(aot.manifest).filter(([key]) => key !== 'memory'),
    );
    expect(refusal(withManifest(noMemory)).code).toBe('AOT_BAD_MODULE');
    const badProgram = { ...aot.manifest, programs: [{ name: 'x' }] };
    expect(refusal(withManifest(badProgram)).code).toBe('AOT_BAD_MODULE');
    expect(refusal(withManifest([1, 2, 3])).code).toBe('AOT_BAD_MODULE');
  });

  it('a program whose export is missing fails when it is prepared', () => {
    const programs = aot.manifest.programs.map((p) => ({ ...p, export: 'run_nothing' }));
    const obj = AotObject.fromBytesSync(withManifest({ ...aot.manifest, programs }));
    expect(() => obj.run('xdp_count_proto', { packet: new Uint8Array(64) })).toThrow(
      expect.objectContaining({ code: 'AOT_BAD_MODULE' }),
    );
  });
});
