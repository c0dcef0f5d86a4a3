// `ebpf-wasm info OBJ.o`: what an ELF object holds, read by the loader alone (nothing is run,
// verified or compiled): its programs (name, section, type, instruction count, helpers called),
// its maps as defined (type, sizes, max_entries, flags, pinning, inner map), license and
// version. `--json` prints the same as one object.

import { BpfError } from '../errors.js';
import { type BpfObject, helpersUsed, loadObject } from '../elf/object.js';
import type { MapDef } from '../elf/maps-def.js';
import { decode } from '../isa/decode.js';
import { nameOfHelper } from '../runtime/object/index.js';
import { type CommandSpec, flagOpt, type ParsedArgs, stringOpt } from './args.js';
import type { CliIo } from './io.js';
import { isElf, parseProgType, TYPE_HELP } from './object.js';

export const infoSpec: CommandSpec = {
  name: 'info',
  summary:
    'Show the programs and maps of an ELF object.\n' +
    'Programs: name, section, type, instructions (lddw counts once), helpers called.\n' +
    'Maps: name, type, key/value size, max_entries, flags, pinning, inner map. License, version.',
  positionals: [{ name: 'OBJ', help: 'an ELF object (clang -target bpf)' }],
  options: [
    { name: 'type', value: 'string', valueName: 'TYPE', help: `override the ${TYPE_HELP}` },
    { name: 'json', help: 'print one JSON object' },
  ],
  notes: ['Example: ebpf-wasm info corpus/obj/xdp_firewall.o'],
};

interface HelperJson {
  readonly id: number;
  readonly name: string;
}

interface ProgramInfo {
  readonly name: string;
  readonly section: string;
  readonly type: string;
  readonly insns: number;
  readonly helpers: readonly HelperJson[];
}

interface MapInfo {
  readonly name: string;
  readonly section: string;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly pinning: number;
  readonly inner: string | null;
}

export interface ObjectInfo {
  readonly license: string;
  readonly version: number;
  readonly programs: readonly ProgramInfo[];
  readonly maps: readonly MapInfo[];
}

/** The inner map of a map-in-map: a BTF template, or a legacy definition's inner_map_idx. */
function innerOf(def: MapDef, all: readonly MapDef[]): string | null {
  if (def.inner !== undefined) return def.inner.name;
  if (def.innerMapIndex !== undefined) return all[def.innerMapIndex]?.name ?? null;
  return null;
}

export function objectInfo(obj: BpfObject): ObjectInfo {
  return {
    license: obj.license,
    version: obj.version,
    programs: obj.programs.map((p) => ({
      name: p.name,
      section: p.section,
      type: p.type,
      insns: decode(p.insns).insns.length,
      helpers: helpersUsed(p).map((id) => ({ id, name: nameOfHelper(id) })),
    })),
    maps: obj.maps.map((m) => ({
      name: m.name,
      section: m.section,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      flags: m.flags,
      pinning: m.pinning,
      inner: innerOf(m, obj.maps),
    })),
  };
}

/** Rows of cells as columns two spaces apart (the last cell is not padded). */
function table(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map(
    (row) =>
      indent + row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('  '),
  );
}

function infoText(info: ObjectInfo): string {
  const lines = [`license: ${info.license}`, `version: ${info.version}`, ''];
  lines.push(`programs (${info.programs.length}):`);
  const progRows = [['NAME', 'SECTION', 'TYPE', 'INSNS', 'HELPERS']];
  for (const p of info.programs) {
    const helpers = p.helpers.map((h) => `${h.name}(${h.id})`).join(' ');
    progRows.push([p.name, p.section, p.type, String(p.insns), helpers === '' ? '-' : helpers]);
  }
  lines.push(...table(progRows, '  '), '', `maps (${info.maps.length}):`);
  const mapRows = [['NAME', 'TYPE', 'KEY', 'VALUE', 'MAX', 'FLAGS', 'PIN', 'INNER', 'SECTION']];
  for (const m of info.maps) {
    mapRows.push([
      m.name,
      m.type,
      String(m.keySize),
      String(m.valueSize),
      String(m.maxEntries),
      `0x${m.flags.toString(16)}`,
      String(m.pinning),
      m.inner ?? '-',
      m.section,
    ]);
  }
  if (info.maps.length > 0) lines.push(...table(mapRows, '  '));
  return lines.join('\n') + '\n';
}

export function infoCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const bytes = io.readFile(file);
  if (!isElf(bytes)) {
    throw new BpfError('load', 'BAD_INPUT', `${file} is not an ELF object (info reads objects)`);
  }
  const typeText = stringOpt(args, 'type');
  const obj = loadObject(
    bytes,
    typeText !== undefined ? { programType: parseProgType('info', typeText) } : {},
  );
  const info = objectInfo(obj);
  io.stdout(flagOpt(args, 'json') ? JSON.stringify(info) + '\n' : infoText(info));
  return Promise.resolve(0);
}
