// `ebpf-wasm info OBJ.o`: what an ELF object holds, read by the loader alone (nothing is run,
// verified or compiled): its programs (name, section, type, instruction count, helpers called),
// its maps as defined (type, sizes, max_entries, flags, pinning, inner map), license and
// version. `--json` prints the same as one object.
// `ebpf-wasm info MODULE.wasm`: the manifest of an AOT module (`compile -o`), read without
// instantiating it: source, generator, programs (type, instructions, export, helpers), maps
// (type, sizes, descriptor address), memory. `--json` prints the manifest itself.

import { basename } from 'node:path';
import type { Manifest, ManifestProgram } from '../aot/manifest.js';
import { BpfError } from '../errors.js';
import { type BpfObject, helpersUsed, loadObject } from '../elf/object.js';
import type { MapDef } from '../elf/maps-def.js';
import { decode } from '../isa/decode.js';
import { WASM_PAGE } from '../runtime/layout.js';
import { nameOfHelper } from '../runtime/object/index.js';
import { type CommandSpec, flagOpt, type ParsedArgs, stringOpt, usageError } from './args.js';
import { isWasm, manifestOf } from './aot.js';
import type { CliIo } from './io.js';
import { isElf, parseProgType, TYPE_HELP } from './object.js';

export const infoSpec: CommandSpec = {
  name: 'info',
  summary:
    'Show the programs and maps of an ELF object, or the manifest of an AOT module.\n' +
    'Programs: name, section, type, instructions (lddw counts once), helpers called.\n' +
    'Maps: name, type, key/value size, max_entries, flags, pinning, inner map. License, version.\n' +
    'A .wasm from `compile -o`: its source, generator, programs (type, instruction slots,\n' +
    'export, verified, helpers), maps (type, sizes, descriptor address), memory pages and\n' +
    'data capacity.',
  positionals: [{ name: 'FILE', help: 'an ELF object (clang -target bpf) or an AOT module' }],
  options: [
    { name: 'type', value: 'string', valueName: 'TYPE', help: `ELF: override the ${TYPE_HELP}` },
    { name: 'json', help: 'print one JSON object (for a .wasm: its manifest)' },
  ],
  notes: [
    'Examples:',
    '  ebpf-wasm info corpus/obj/xdp_firewall.o',
    '  ebpf-wasm compile corpus/obj/xdp_firewall.o -o fw.wasm && ebpf-wasm info fw.wasm',
  ],
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

/** Helpers as `name(id)`; the ones linked into the module as Wasm are marked `[wasm]`. */
function helperList(p: ManifestProgram): string {
  const js = p.helpers.map((h) => `${h.name}(${h.id})`);
  const wasm = p.wasmHelpers.map((id) => `${nameOfHelper(id)}(${id})[wasm]`);
  const all = [...js, ...wasm];
  return all.length === 0 ? '-' : all.join(' ');
}

function kib(bytes: number): string {
  return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
}

/** The manifest of an AOT module, for people. */
export function manifestText(file: string, size: number, m: Manifest): string {
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const lines = [
    `AOT module ${file}: ${size} bytes, manifest format ${m.format}`,
    `source: ${m.source === '' ? '-' : m.source}`,
    `generator: ${m.generator}`,
  ];
  if (m.license !== undefined) lines.push(`license: ${m.license}`);
  lines.push(
    `memory: ${m.memory.initialPages} pages (${kib(m.memory.initialPages * WASM_PAGE)}), ` +
      `maps at ${hex(m.memory.mapsBase)}..${hex(m.memory.mapsEnd)}`,
    `data capacity: ${m.memory.dataCapacity} bytes (packets and input at ${hex(m.layout.dataBase)})`,
    `cpus: ${m.cpus}`,
    '',
    `programs (${m.programs.length} of ${m.programCount} in the object):`,
  );
  const progRows = [['NAME', 'SECTION', 'TYPE', 'SLOTS', 'EXPORT', 'VERIFIED', 'HELPERS']];
  for (const p of m.programs) {
    progRows.push([
      p.name,
      p.section === '' ? '-' : p.section,
      p.type,
      String(p.insns),
      p.export,
      p.verified ? 'yes' : 'no',
      helperList(p),
    ]);
  }
  lines.push(...table(progRows, '  '), '', `maps (${m.maps.length}):`);
  const mapRows = [['NAME', 'TYPE', 'KEY', 'VALUE', 'MAX', 'FLAGS', 'DATA', 'ADDRESS']];
  for (const map of m.maps) {
    mapRows.push([
      map.name,
      map.typeName,
      String(map.keySize),
      String(map.valueSize),
      String(map.maxEntries),
      hex(map.flags),
      String(map.dataSize),
      hex(map.address),
    ]);
  }
  if (m.maps.length > 0) lines.push(...table(mapRows, '  '));
  return lines.join('\n') + '\n';
}

function moduleInfo(file: string, bytes: Uint8Array, args: ParsedArgs, io: CliIo): number {
  if (args.values.has('type')) {
    throw usageError(`info: --type is for ELF objects; ${basename(file)} is an AOT module`);
  }
  const manifest = manifestOf(file, bytes);
  io.stdout(
    flagOpt(args, 'json')
      ? JSON.stringify(manifest) + '\n'
      : manifestText(basename(file), bytes.length, manifest),
  );
  return 0;
}

export function infoCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0] as string;
  const bytes = io.readFile(file);
  if (isWasm(bytes)) return Promise.resolve(moduleInfo(file, bytes, args, io));
  if (!isElf(bytes)) {
    throw new BpfError(
      'load',
      'BAD_INPUT',
      `${file} is not an ELF object or an AOT module (info reads those)`,
    );
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
