// Replaying the kernel's golden runs (corpus/golden/*.json) on our runtime: read a golden file
// and its object's setup file, open the object, apply the setup's map updates, run the
// recorded packets in order on one loaded object, and describe every difference from what the
// kernel recorded (r0's low 32 bits, the output packet, ring buffer records, perf samples, the
// maps after the runs). corpus/README.md documents the formats and the kernel's quirks.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  applySetup as applySetupOf,
  type MapUpdate,
  programSetup,
  type Setup,
  type SetupProgram,
} from '../../src/cli/demo-corpus.js';
import { BpfError } from '../../src/errors.js';
import type { EngineName } from '../../src/runtime/engine.js';
import type { BpfMap } from '../../src/runtime/maps/index.js';
import { MapType } from '../../src/runtime/maps/index.js';
import type { MissingHelper, ObjectRuntime, VmObject } from '../../src/runtime/object/index.js';
import { Vm } from '../../src/vm.js';

export const CORPUS = new URL('../../corpus/', import.meta.url).pathname;

interface MapEntry {
  readonly key?: string;
  readonly value?: string;
  readonly values?: readonly string[];
}

interface GoldenRun {
  readonly desc: string;
  readonly packetIn: string;
  readonly r0?: string;
  readonly packetOut?: string;
  readonly error?: string;
  readonly ringbuf?: { readonly events: readonly string[] };
  readonly perf?: { readonly samples: readonly string[] };
  readonly maps?: Readonly<Record<string, readonly MapEntry[]>>;
}

export interface Golden {
  readonly object: string;
  readonly program: string;
  readonly type: string;
  readonly runs: readonly GoldenRun[];
  readonly maps: Readonly<Record<string, readonly MapEntry[]>>;
}

export interface GoldenCase {
  readonly file: string;
  readonly golden: Golden;
  readonly setup: Setup;
}

/** Every per-program golden file, with its object's setup. */
export function goldenCases(): GoldenCase[] {
  const dir = join(CORPUS, 'golden');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'verifier.json')
    .sort()
    .map((file) => {
      const golden = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Golden;
      const setupPath = join(CORPUS, 'src', `${golden.object}.setup.json`);
      const setup = JSON.parse(readFileSync(setupPath, 'utf8')) as Setup;
      return { file, golden, setup };
    });
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** libbpf/bpftool program type names of setup files -> src/elf/prog-type.ts names. */
const SETUP_TYPES: Readonly<Record<string, string>> = {
  socket: 'socket_filter',
  tc: 'sched_cls',
  classifier: 'sched_cls',
};

/** The setup's program type override, in src/elf/prog-type.ts names. */
export function programTypeOf(c: GoldenCase): string | undefined {
  const type = c.setup.type;
  return type === undefined ? undefined : (SETUP_TYPES[type] ?? type);
}

/** The deterministic host every replay uses: nothing recorded depends on time or randomness. */
export const REPLAY_HOST = { seed: 1, printk: (): undefined => undefined, clock: (): bigint => 0n };

export function openCase(c: GoldenCase, engine: EngineName): VmObject {
  const programType = programTypeOf(c);
  return Vm.open(join(CORPUS, 'obj', `${c.golden.object}.o`), {
    engine,
    host: REPLAY_HOST,
    ...(programType !== undefined ? { programType: programType as never } : {}),
  });
}

function setupProgram(c: GoldenCase): SetupProgram | undefined {
  return programSetup(c.setup, c.golden.program);
}

function updates(c: GoldenCase): MapUpdate[] {
  return [...(c.setup.maps ?? []), ...(setupProgram(c)?.maps ?? [])];
}

/**
 * Helpers the case needs that nobody registered: its program's, and those of every program
 * the setup installs in a prog array (tail-call targets).
 */
export function missingFor(obj: VmObject, c: GoldenCase): MissingHelper[] {
  const names = new Set([c.golden.program]);
  for (const u of updates(c)) if (u.prog !== undefined) names.add(u.prog);
  const seen = new Map<number, MissingHelper>();
  for (const name of names) for (const m of obj.missingHelpers(name)) seen.set(m.id, m);
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

/** The setup's map updates, applied as `ebpf-wasm demo` applies them (src/cli/demo-corpus.ts). */
export function applySetup(obj: ObjectRuntime, c: GoldenCase): void {
  applySetupOf(obj, c.setup, c.golden.program);
}

const UNRECORDED = new Set<number>([
  MapType.PROG_ARRAY,
  MapType.PERF_EVENT_ARRAY,
  MapType.RINGBUF,
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
]);

/** A map's contents the way the kernel tool records them (queue/stack: popped empty). */
function dumpMap(map: BpfMap): string[] {
  if (map.type === MapType.QUEUE || map.type === MapType.STACK) {
    const out: string[] = [];
    for (let v = map.pop(); v !== null; v = map.pop()) out.push(`- ${toHex(v)}`);
    return out;
  }
  const out: string[] = [];
  for (const key of map.keys()) {
    const values = map.lookupPerCpu(key);
    // The kernel tool skips keys whose lookup is ENOENT (empty devmap/cpumap slots).
    if (values === null) continue;
    out.push(`${toHex(key)} ${toHex(values[0] as Uint8Array)}`);
  }
  return out.sort();
}

function goldenMap(entries: readonly MapEntry[]): string[] {
  return entries
    .map((e) => {
      const value = e.values !== undefined ? (e.values[0] ?? '') : (e.value ?? '');
      return `${e.key === undefined ? '-' : e.key} ${value}`;
    })
    .sort((a, b) => (a.startsWith('- ') ? 0 : a < b ? -1 : a > b ? 1 : 0));
}

/** Differences between our maps and the recorded ones; queue/stack maps are consumed. */
function compareMaps(
  obj: ObjectRuntime,
  recorded: Readonly<Record<string, readonly MapEntry[]>>,
  ignore: ReadonlySet<string>,
  where: string,
  outputs: string[],
): string[] {
  const diffs: string[] = [];
  for (const [name, entries] of Object.entries(recorded)) {
    if (ignore.has(name)) continue;
    const map = obj.maps.find(name);
    if (map === undefined) {
      diffs.push(`${where}: map ${name} does not exist`);
      continue;
    }
    if (UNRECORDED.has(map.type)) continue;
    const ours = dumpMap(map);
    outputs.push(`${where}: map ${name}: ${ours.join(' ')}`);
    const theirs = goldenMap(entries);
    if (ours.join('\n') !== theirs.join('\n')) {
      diffs.push(
        `${where}: map ${name}\n  ours:   ${ours.join('\n          ')}\n  kernel: ${theirs.join('\n          ')}`,
      );
    }
  }
  return diffs;
}

/** Perf samples: our raw data must be a prefix of the kernel's, which is zero-padded after it. */
function samePerfSample(ours: Uint8Array, kernel: Uint8Array): boolean {
  if (ours.length > kernel.length) return false;
  for (let i = 0; i < kernel.length; i++) if ((ours[i] ?? 0) !== kernel[i]) return false;
  return true;
}

export interface ReplayResult {
  /** Runs executed (refused runs are skipped, as the kernel never ran the program). */
  readonly runs: number;
  readonly diffs: readonly string[];
  /** What each run gave (r0, packet, events, samples, maps): engines compare these directly. */
  readonly outputs: readonly string[];
}

/** Replay every recorded run on `obj` (already set up) and compare. */
export function replay(obj: ObjectRuntime, c: GoldenCase): ReplayResult {
  const diffs: string[] = [];
  const outputs: string[] = [];
  const ignore = new Set(c.setup.ignoreMaps ?? []);
  const packets = setupProgram(c)?.packets ?? c.setup.packets ?? [];
  let runs = 0;
  const ringbufs = [...obj.maps].filter((m) => m.type === MapType.RINGBUF);
  const perfs = [...obj.maps].filter((m) => m.type === MapType.PERF_EVENT_ARRAY);
  c.golden.runs.forEach((run, i) => {
    const where = `run ${i} (${run.desc})`;
    // The kernel refused this run (short IPv4 frame in an skb): it never ran the program.
    if (run.error !== undefined) return;
    const ctx = packets[i]?.ctx;
    let res;
    try {
      res = obj.run(c.golden.program, {
        packet: hex(run.packetIn),
        ...(ctx !== undefined ? { ctx: hex(ctx) } : {}),
      });
    } catch (e) {
      const what = e instanceof BpfError ? `${e.code} at insn ${e.insn}: ${e.message}` : String(e);
      diffs.push(`${where}: threw ${what}`);
      outputs.push(`${where}: threw ${e instanceof BpfError ? `${e.code}@${e.insn}` : 'raw'}`);
      return;
    }
    runs++;
    const r0 = Number(BigInt(run.r0 ?? '0'));
    if (res.retval !== r0) diffs.push(`${where}: r0 ${res.retval}, kernel ${r0}`);
    const out = toHex(res.packet ?? new Uint8Array(0));
    if (run.packetOut !== undefined && out !== run.packetOut) {
      diffs.push(`${where}: packet\n  ours:   ${out}\n  kernel: ${run.packetOut}`);
    }
    const events = ringbufs.flatMap((m) => m.ringBuffer().drain().map(toHex));
    if (run.ringbuf !== undefined && events.join(',') !== run.ringbuf.events.join(',')) {
      diffs.push(
        `${where}: ringbuf\n  ours:   ${events.join(',')}\n  kernel: ${run.ringbuf.events.join(',')}`,
      );
    }
    const samples = perfs.flatMap((m) =>
      m
        .perfBuffer()
        .drain()
        .map((s) => s.data),
    );
    if (run.perf !== undefined) {
      const kernel = run.perf.samples.map(hex);
      const same =
        samples.length === kernel.length &&
        samples.every((s, k) => samePerfSample(s, kernel[k] as Uint8Array));
      if (!same) {
        diffs.push(
          `${where}: perf\n  ours:   ${samples.map(toHex).join(',')}\n  kernel: ${run.perf.samples.join(',')}`,
        );
      }
    }
    outputs.push(
      `${where}: r0 ${res.r0} packet ${out} ringbuf ${events.join(',')} perf ${samples.map(toHex).join(',')}`,
    );
    if (run.maps !== undefined) {
      diffs.push(...compareMaps(obj, run.maps, ignore, `after ${where}`, outputs));
    }
  });
  diffs.push(...compareMaps(obj, c.golden.maps, ignore, 'after the last run', outputs));
  return { runs, diffs, outputs };
}
