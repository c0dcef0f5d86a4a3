// The text output of `ebpf-wasm demo`: an object's programs and maps as short tables, one line
// per verdict and per compiled program, the AOT module's line, a table of the sample packets
// (action, whether interp, JIT, AOT and kernel agree, whether the packet changed), each map in a
// line, the speed, and the closing summary.

import {
  type AotCompileReport,
  type DemoEngine,
  ENGINES,
  isOutcome,
  type CompileReport,
  type MapInfo,
  type ObjectReport,
  type PacketReport,
  type ProgramInfo,
  type RunReport,
  type SpeedReport,
  type VerifyReport,
} from './demo-report.js';
import type { MapEntryJson } from './map-dump.js';

/** Entries shown per map. */
const SHOWN_ENTRIES = 3;

function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i] ?? 0) : c))
          .join('  ')
          .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

export function objectHeader(
  file: string,
  programs: readonly ProgramInfo[],
  maps: readonly MapInfo[],
): string {
  let s = `\n== ${file}\n`;
  s += `programs (${programs.length}):\n`;
  s += table([
    ['NAME', 'SECTION', 'TYPE', 'INSNS'],
    ...programs.map((p) => [p.name, p.section, p.type, String(p.insns)]),
  ]);
  if (maps.length > 0) {
    s += `maps (${maps.length}):\n`;
    s += table([
      ['NAME', 'TYPE', 'KEY', 'VALUE', 'MAX'],
      ...maps.map((m) => [
        m.name,
        m.type,
        String(m.keySize),
        String(m.valueSize),
        String(m.maxEntries),
      ]),
    ]);
  }
  return s;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function ms(n: number): string {
  return n < 10 ? n.toFixed(1) : n.toFixed(0);
}

export function verifyLine(v: VerifyReport): string {
  const head = `verify   ${v.program}: ${v.accepted ? 'accepted' : 'REJECTED'}, ${v.insnsProcessed} insns processed in ${ms(v.ms)} ms`;
  return head + (v.error !== null ? `\n  ${v.error.message}\n` : '\n');
}

export function compileLine(c: CompileReport): string {
  if (c.ok) {
    return `compile  ${c.program}: ${c.insns} insns -> ${c.wasmBytes} bytes of wasm in ${ms(c.ms)} ms\n`;
  }
  return `compile  ${c.program}: not compiled: ${c.error?.message ?? 'rejected'}\n`;
}

/** The object's AOT module in a line, and where it was written. */
export function aotLines(file: string, a: AotCompileReport): string {
  if (a.skipped !== null) return `aot  ${file}: not compiled: ${a.skipped}\n`;
  if (!a.ok) return `aot  ${file}: FAILED: ${a.error?.message ?? 'no module'}\n`;
  let s =
    `aot  ${file}: ${plural(a.programs, 'program')} -> ${a.wasmBytes} bytes of wasm ` +
    `(manifest: ${plural(a.maps, 'map')}) in ${ms(a.ms)} ms\n`;
  if (a.path !== null) s += `aot  ${file}: wrote ${a.path}\n`;
  return s;
}

function outcomeText(o: PacketReport['interp']): string {
  if (o === null) return '-';
  return isOutcome(o) ? o.action : `error ${o.error.code}`;
}

/**
 * Which engines disagree and how: engines with the same outcome (r0 and packet) in one group,
 * each group with its action; where two groups show the same action, their r0 and whether the
 * packet differs tell them apart. Then the kernel's action.
 */
function differText(p: PacketReport, kernel: string): string {
  const groups: { engines: DemoEngine[]; o: PacketReport['interp'] }[] = [];
  for (const e of ENGINES) {
    const o = p[e];
    const key = JSON.stringify(o);
    const g = groups.find((x) => JSON.stringify(x.o) === key);
    if (g !== undefined) g.engines.push(e);
    else groups.push({ engines: [e], o });
  }
  const parts = groups.map((g) => {
    let t = `${g.engines.join(' = ')} ${outcomeText(g.o)}`;
    const o = g.o;
    if (!isOutcome(o)) return t;
    const same = groups.filter((x) => x !== g && outcomeText(x.o) === outcomeText(o));
    if (same.some((x) => isOutcome(x.o) && x.o.r0 !== o.r0)) t += ` (r0 ${o.r0})`;
    if (same.some((x) => isOutcome(x.o) && x.o.packet !== o.packet)) t += ' (packet differs)';
    return t;
  });
  return `DIFFER: ${parts.join(', ')}, kernel ${kernel}`;
}

function packetRow(p: PacketReport, i: number): string[] {
  const n = String(i + 1);
  if (p.kernel === null) return [n, '-', 'refused by the kernel: not run', '', p.desc];
  const verdict = p.agree ? `${ENGINES.join(' = ')} = kernel` : differText(p, p.kernel.action);
  let packet = p.modified ? 'modified' : 'unchanged';
  if (p.packetMatchesKernel === false) packet += ' (NOT as the kernel)';
  return [n, outcomeText(p.interp), verdict, packet, p.desc];
}

/** Shorten long hex (LPM keys, 5-tuples) so a map fits on a few lines. */
function shortHex(h: string): string {
  return h.length <= 24 ? h : `${h.slice(0, 20)}…(${h.length / 2} B)`;
}

function isZero(h: string | undefined): boolean {
  return h === undefined || /^0*$/.test(h);
}

function entryText(e: MapEntryJson): string {
  const key = e.key !== undefined ? `${shortHex(e.key)}: ` : '';
  if (e.inner !== undefined) return `${key}map ${e.inner}`;
  if (e.values !== undefined) return `${key}[${e.values.map(shortHex).join(' ')}]`;
  return key + shortHex(e.value ?? '');
}

const ARRAYS = new Set(['array', 'percpu_array']);

/** A map in one line: its first entries (arrays: those not all zero) and how many more. */
function mapLine(name: string, type: string, entries: readonly MapEntryJson[]): string {
  const shown = ARRAYS.has(type)
    ? entries.filter((e) => !isZero(e.value) || (e.values ?? []).some((v) => !isZero(v)))
    : entries;
  const parts = shown.slice(0, SHOWN_ENTRIES).map(entryText);
  if (shown.length > SHOWN_ENTRIES) parts.push(`... ${shown.length - SHOWN_ENTRIES} more`);
  const zeros = entries.length - shown.length;
  if (zeros > 0) parts.push(`(${zeros} zero)`);
  if (entries.length === 0) parts.push('(empty)');
  return `  ${name}: ${parts.join(', ')}\n`;
}

/** The packets of one program's runs, then its maps (`maps`: the object's, for their types). */
export function runText(r: RunReport, maps: readonly MapInfo[]): string {
  let s = `\nrun ${r.program} (${r.type}) on ${r.packets.length} sample packets of ${r.golden} (kernel ${r.kernel}):\n`;
  s += table([['#', 'ACTION', 'RESULT', 'PACKET', 'DESCRIPTION'], ...r.packets.map(packetRow)]);
  const dumped = Object.entries(r.maps);
  if (dumped.length > 0) {
    const verdict = r.mapsAgree
      ? 'interp, jit and aot agree'
      : `${r.mapsDiffer.join(' and ')} DIFFER from interp`;
    s += `maps after the runs (${verdict}):\n`;
    for (const [name, entries] of dumped) {
      s += mapLine(name, maps.find((m) => m.name === name)?.type ?? '', entries);
    }
  }
  return s;
}

function nsText(n: number): string {
  return n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString('en');
}

function times(n: number): string {
  return `${n.toFixed(1)}x`;
}

export function speedLine(s: SpeedReport): string {
  const aot =
    s.aotNsPerPacket !== null && s.aotSpeedup !== null
      ? { ns: `, aot ${nsText(s.aotNsPerPacket)}`, up: `, aot ${times(s.aotSpeedup)}` }
      : { ns: ', aot -', up: '' };
  const samples = [s.samples.interp, s.samples.jit, s.samples.aot].filter((n) => n !== null);
  return (
    `speed    ${s.program}: interp ${nsText(s.interpNsPerPacket)}, jit ${nsText(s.jitNsPerPacket)}${aot.ns} ns/packet: ` +
    `speedup jit ${times(s.speedup)}${aot.up} (medians of ${samples.join(', ')} samples)\n`
  );
}

export function summaryText(objects: readonly ObjectReport[], failures: readonly string[]): string {
  const rows = objects.flatMap((o) =>
    o.speed.map((s) => [
      o.file,
      s.program,
      nsText(s.interpNsPerPacket),
      nsText(s.jitNsPerPacket),
      s.aotNsPerPacket !== null ? nsText(s.aotNsPerPacket) : '-',
      times(s.speedup),
      s.aotSpeedup !== null ? times(s.aotSpeedup) : '-',
    ]),
  );
  let s = '\n== summary\n';
  if (rows.length > 0) {
    s += table([
      [
        'OBJECT',
        'PROGRAM',
        'INTERP ns/pkt',
        'JIT ns/pkt',
        'AOT ns/pkt',
        'JIT SPEEDUP',
        'AOT SPEEDUP',
      ],
      ...rows,
    ]);
    s +=
      'A run here is a whole obj.run: context and packet set up, the call, the result read\n' +
      'back. For a short XDP program that per-call work is most of the time in every engine;\n' +
      'a program with a loop (xdp_payload_sum) shows more of what compiled code buys. The AOT\n' +
      "module holds the JIT's translation of the same code, loaded without binaryen, so its\n" +
      'time per packet is about the JIT one; it pays its compile time once, ahead of time.\n';
  }
  s +=
    failures.length === 0
      ? 'all verified, compiled and in agreement\n'
      : failures.map((f) => `FAILED: ${f}\n`).join('');
  return s;
}
