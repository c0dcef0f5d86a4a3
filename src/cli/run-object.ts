// `ebpf-wasm run OBJ.o --program NAME` and `ebpf-wasm run MODULE.wasm`: run one program of a
// loaded object once per `--packet-hex` (in order, on the same loaded object, so map state
// carries over from run to run, as BPF_PROG_TEST_RUN on one loaded object does), then show the
// maps. Ring buffer and perf records are drained after each run (as a user-space consumer would)
// and printed in text mode. The object is an ELF object opened on the Vm ('interp'/'jit'), the
// same object compiled ahead of time in process ('aot'), or an AOT module read from a file: all
// three share the ObjectRuntime API, so they print the same thing for the same runs.

import { ensureEngine } from '../conformance/engines.js';
import { hex64, hexString, parseHexBytes } from '../conformance/hex.js';
import { mapTypeName } from '../elf/maps-def.js';
import { contextOf } from '../runtime/context/index.js';
import type { ContextInput } from '../runtime/context/index.js';
import type { EngineName } from '../runtime/engine.js';
import { type BpfMap, MapType } from '../runtime/maps/index.js';
import type { ObjectEngine, ObjectRunResult, ObjectRuntime } from '../runtime/object/runtime.js';
import { actionOf } from './actions.js';
import { countOpt, flagOpt, listOpt, type ParsedArgs, stringOpt, usageError } from './args.js';
import { compileForRun, onlyProgramName, openAot } from './aot.js';
import type { CliIo } from './io.js';
import { dumpMaps, mapsText } from './map-dump.js';
import { openObject, parseProgType } from './object.js';

/** ` (XDP_PASS)` for a return code that has a name in the program's type, else nothing. */
function retvalName(type: string, retval: number): string {
  const name = actionOf(type, retval);
  return name !== undefined ? ` (${name})` : '';
}

function typeName(map: BpfMap): string {
  try {
    return mapTypeName(map.type, map.name);
  } catch {
    return `type ${map.type}`;
  }
}

/** The records an event map holds now, drained. */
function drainEvents(map: BpfMap): Uint8Array[] {
  if (map.type === MapType.RINGBUF) return map.ringBuffer().drain();
  if (map.type === MapType.PERF_EVENT_ARRAY)
    return map
      .perfBuffer()
      .drain()
      .map((s) => s.data);
  return [];
}

const TAIL_CALL = /^([^:=]+):([0-9]+)=(.+)$/;

/** `--tail-call MAP:INDEX=PROG`: fill prog array slots before the first run. */
function setTailCalls(obj: ObjectRuntime, specs: readonly string[]): void {
  for (const spec of specs) {
    const m = TAIL_CALL.exec(spec);
    if (m === null) {
      throw usageError(
        `run: --tail-call takes MAP:INDEX=PROG (jmp_table:0=xdp_ipv4), not '${spec}'`,
      );
    }
    const [, map, index, prog] = m as unknown as [string, string, string, string];
    obj.setTailCall(map, Number(index), prog);
  }
}

/**
 * The runs and the maps after them, on any kind of object. `mem` is the input of programs
 * without a packet: raw memory, or a tracing program's context bytes.
 */
function runOn(
  obj: ObjectRuntime,
  name: string,
  mem: Uint8Array | undefined,
  args: ParsedArgs,
  io: CliIo,
): number {
  const prog = obj.program(name);
  setTailCalls(obj, listOpt(args, 'tail-call'));
  const kind = contextOf(prog.type)?.name;
  const base: ContextInput = mem === undefined ? {} : kind === 'tracing' ? { ctx: mem } : { mem };
  if (mem !== undefined && (kind === 'xdp' || kind === 'skb')) {
    throw usageError(`run: ${prog.name} (${prog.type}) takes --packet-hex, not --mem`);
  }
  const packets = listOpt(args, 'packet-hex').map((h, i) =>
    parseHexBytes(h, `--packet-hex #${i + 1}`),
  );

  const json = flagOpt(args, 'json');
  const events = [...obj.maps].filter(
    (m) => m.type === MapType.RINGBUF || m.type === MapType.PERF_EVENT_ARRAY,
  );
  const runs: { r0: string; packet: string }[] = [];
  const inputs: ContextInput[] =
    packets.length > 0 ? packets.map((packet) => ({ ...base, packet })) : [base];
  inputs.forEach((input, i) => {
    const res: ObjectRunResult = obj.run(prog.name, input);
    const out = res.packet ?? res.mem ?? new Uint8Array(0);
    runs.push({ r0: hex64(res.r0), packet: hexString(out) });
    if (json) {
      for (const m of events) drainEvents(m);
      return;
    }
    const tail = res.tailCalls > 0 ? ` (${res.tailCalls} tail calls, ended in ${res.program})` : '';
    const what = res.packet !== undefined ? 'packet' : 'mem';
    io.stdout(
      `run ${i + 1}: r0=${hex64(res.r0)}${retvalName(prog.type, res.retval)}${tail} ${what}=${hexString(out)}\n`,
    );
    for (const m of events) {
      for (const record of drainEvents(m)) io.stdout(`  event ${m.name}: ${hexString(record)}\n`);
    }
  });

  if (json) io.stdout(JSON.stringify({ runs, maps: dumpMaps(obj) }) + '\n');
  else {
    const lines = mapsText(obj, typeName);
    if (lines.length > 0) io.stdout(lines.join('\n') + '\n');
  }
  return 0;
}

/** An ELF object's program, on the engine `--engine` names ('aot': compiled here first). */
export async function runObjectCommand(
  file: string,
  bytes: Uint8Array,
  args: ParsedArgs,
  io: CliIo,
): Promise<number> {
  const name = stringOpt(args, 'program');
  if (name === undefined) throw usageError(`run: ${file} is an ELF object: name a --program`);
  for (const opt of ['mem-hex', 'trace', 'budget'] as const) {
    if (args.values.has(opt)) throw usageError(`run: --${opt} is for raw programs, not objects`);
  }
  const engine = (stringOpt(args, 'engine') ?? 'interp') as ObjectEngine;
  const typeText = stringOpt(args, 'type');
  const type = typeText !== undefined ? parseProgType('run', typeText) : undefined;
  const verify = !flagOpt(args, 'no-verify');
  let obj: ObjectRuntime;
  if (engine === 'aot') {
    const module = await compileForRun(file, bytes, name, { type, verify });
    obj = openAot(file, module.wasm);
  } else {
    await ensureEngine(engine as EngineName);
    obj = openObject(bytes, { engine: engine as EngineName, verify, type });
  }
  const memFile = stringOpt(args, 'mem');
  return runOn(obj, name, memFile !== undefined ? io.readFile(memFile) : undefined, args, io);
}

/** A program of an AOT module (`compile -o`): `--program` may be left out when it has one. */
export function runModuleCommand(
  file: string,
  bytes: Uint8Array,
  args: ParsedArgs,
  io: CliIo,
): Promise<number> {
  for (const opt of ['type', 'trace', 'no-verify'] as const) {
    if (args.values.has(opt)) {
      throw usageError(`run: --${opt} is for ELF objects and programs, not AOT modules (${file})`);
    }
  }
  const engine = stringOpt(args, 'engine');
  if (engine !== undefined && engine !== 'aot') {
    throw usageError(`run: ${file} is an AOT module: it runs on engine aot, not ${engine}`);
  }
  const memFile = stringOpt(args, 'mem');
  const memHex = stringOpt(args, 'mem-hex');
  if (memFile !== undefined && memHex !== undefined) {
    throw usageError('run: give --mem or --mem-hex, not both');
  }
  const mem =
    memFile !== undefined
      ? io.readFile(memFile)
      : memHex !== undefined
        ? parseHexBytes(memHex, '--mem-hex')
        : undefined;
  const obj = openAot(file, bytes, { budget: countOpt(args, 'budget') });
  const name = stringOpt(args, 'program') ?? onlyProgramName('run', file, obj.programs);
  return Promise.resolve(runOn(obj, name, mem, args, io));
}
