// Making a loaded program runnable in an object's memory: lddw of a map (src=5, imm = map
// index) becomes the map descriptor's address, lddw of global data (src=6, imm = map index,
// second imm = offset) the address of the map's value plus the offset, both as plain
// immediates (src=0), which is what the engines run. The unpatched program is kept next to the
// patched one for the verifier, which needs to know which constants are map pointers.
//
// Also here: which helpers a program calls, and the load-time check that each is registered.

import { LoadError } from '../../errors.js';
import type { Insn, Program } from '../../isa/insn.js';
import { Code, LddwSrc } from '../../isa/opcodes.js';
import type { HelperRegistry } from '../helpers.js';
import { helperName } from '../helpers/ids.js';
import type { MapSet } from '../maps/index.js';

/** Map names by index in BpfObject.maps (what src=5/6 immediates refer to). */
export type MapNames = readonly string[];

/**
 * The program with every map reference patched to its address in `maps`.
 * @throws LoadError ELF_BAD_RELOC when an lddw names a map the object does not have.
 */
export function relocate(program: Program, mapNames: MapNames, maps: MapSet): Program {
  let changed = false;
  const insns = program.insns.map((insn): Insn => {
    if (insn.code !== Code.LDDW) return insn;
    if (insn.src !== LddwSrc.MAP_IDX && insn.src !== LddwSrc.MAP_IDX_VALUE) return insn;
    const name = mapNames[insn.imm];
    const map = name === undefined ? undefined : maps.find(name);
    if (map === undefined) {
      throw new LoadError(
        'ELF_BAD_RELOC',
        `lddw refers to map index ${insn.imm}, which does not exist`,
        {
          insn: insn.pc,
        },
      );
    }
    let addr: number;
    if (insn.src === LddwSrc.MAP_IDX) addr = map.descriptorAddress;
    else {
      const value = map.valueAddress(0);
      const offset = Number(insn.imm64 >> 32n);
      if (value === null || offset > map.valueSize) {
        throw new LoadError(
          'ELF_BAD_RELOC',
          `lddw points to ${map.name}+${offset}, outside its value`,
          { insn: insn.pc },
        );
      }
      addr = value + offset;
    }
    changed = true;
    return { ...insn, src: LddwSrc.IMM, imm: addr | 0, imm64: BigInt(addr) };
  });
  return changed ? { ...program, insns } : program;
}

/** Helper ids the program calls with `call imm` (callx targets are not known statically). */
export function helpersOf(program: Program): number[] {
  const ids = new Set<number>();
  for (const insn of program.insns) if (insn.code === Code.CALL_HELPER) ids.add(insn.imm >>> 0);
  return [...ids].sort((a, b) => a - b);
}

/** The kernel's name of helper `id` (`bpf_` prefix included), or `helper <id>`. */
export function nameOfHelper(id: number, registry?: HelperRegistry): string {
  const known = helperName(id);
  if (known !== undefined) return `bpf_${known}`;
  const def = registry?.get(id);
  return def !== undefined ? def.name : `helper ${id}`;
}

export interface MissingHelper {
  readonly id: number;
  readonly name: string;
  /** Slot index of the first call to it. */
  readonly insn: number;
}

/** Helpers the program calls that `registry` does not have. */
export function missingHelpers(program: Program, registry: HelperRegistry): MissingHelper[] {
  const out: MissingHelper[] = [];
  for (const id of helpersOf(program)) {
    if (registry.has(id)) continue;
    const first = program.insns.find((i) => i.code === Code.CALL_HELPER && i.imm >>> 0 === id);
    out.push({ id, name: nameOfHelper(id), insn: first?.pc ?? 0 });
  }
  return out;
}

/** @throws LoadError UNKNOWN_HELPER naming the first helper nobody registered. */
export function checkHelpers(
  programName: string,
  program: Program,
  registry: HelperRegistry,
): void {
  const missing = missingHelpers(program, registry);
  const first = missing[0];
  if (first === undefined) return;
  const all = missing.map((m) => `${m.id} (${m.name})`).join(', ');
  throw new LoadError(
    'UNKNOWN_HELPER',
    `program ${programName} calls helper ${all}, which nobody registered`,
    { insn: first.insn },
  );
}
