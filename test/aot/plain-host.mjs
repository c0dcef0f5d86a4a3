#!/usr/bin/env node
// A host for ebpf-wasm AOT modules written against plain WebAssembly APIs only: no ebpf-wasm
// import, nothing but the module and the contract in its manifest (see src/aot/manifest.ts and
// the README). It runs an XDP program of the module over the packets of a golden file and prints
// one line per packet: `<r0> <packet out as hex>`.
//
//   node test/aot/plain-host.mjs MODULE.wasm GOLDEN.json [SETUP.json]
//
// SETUP.json map updates (`{ map, key, value }`, hex) are applied first through the module's
// exported host_update, the same map code the programs call. Helpers the programs call through
// env.helper are answered here by id (bpf_ktime_get_ns = 5 and bpf_csum_diff = 28, to show the
// mechanism: arguments r1-r5 in memory, pointers are addresses in the same memory); any other id
// stops the run, as a host that does not provide it would.

import { readFileSync } from 'node:fs';

const [wasmPath, goldenPath, setupPath] = process.argv.slice(2);
if (wasmPath === undefined || goldenPath === undefined) {
  console.error('usage: plain-host.mjs MODULE.wasm GOLDEN.json [SETUP.json]');
  process.exit(2);
}
const module = new WebAssembly.Module(readFileSync(wasmPath));
const [section] = WebAssembly.Module.customSections(module, 'ebpf-wasm.manifest');
const manifest = JSON.parse(new TextDecoder().decode(section));
const { layout } = manifest;

const memory = new WebAssembly.Memory({ initial: manifest.memory.initialPages, maximum: 65536 });
const u8 = () => new Uint8Array(memory.buffer);
const dv = () => new DataView(memory.buffer);
// One's-complement sum of seed, ~each u32 of `from` and each u32 of `to` (little-endian reads).
function csumDiff(from, fromSize, to, toSize, seed) {
  [from, fromSize, to, toSize, seed] = [from, fromSize, to, toSize, seed].map(Number);
  if (((fromSize | toSize) & 3) !== 0 || fromSize + toSize > 512) return -22n; // -EINVAL
  const add = (sum, w) => (sum + w > 0xffffffff ? sum + w - 0xffffffff : sum + w);
  let sum = seed >>> 0;
  for (let k = 0; k < fromSize; k += 4) sum = add(sum, ~dv().getUint32(from + k, true) >>> 0);
  for (let k = 0; k < toSize; k += 4) sum = add(sum, dv().getUint32(to + k, true));
  return BigInt(sum);
}
const HELPERS = { 5: () => BigInt(Math.round(performance.now() * 1e6)), 28: csumDiff };
const helper = (id, pc) => {
  const fn = HELPERS[id];
  if (fn === undefined)
    throw new Error(`helper ${id} (at insn ${pc}) is not provided by this host`);
  const args = [0, 1, 2, 3, 4].map((i) => dv().getBigUint64(layout.argsSlot + 8 * i, true));
  dv().setBigUint64(layout.r0Slot, BigInt.asUintN(64, fn(...args)), true);
};
// Active data segments write the maps' initial image into the memory here.
const { exports } = new WebAssembly.Instance(module, { env: { memory, helper } });

const hex = (s) =>
  Uint8Array.from((s.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
// Scratch for host_update's key and value: the end of the data area, which packets leave alone.
const scratch = layout.dataBase + manifest.memory.dataCapacity - 4096;
const setup = setupPath === undefined ? {} : JSON.parse(readFileSync(setupPath, 'utf8'));
for (const u of setup.maps ?? []) {
  const map = manifest.maps.find((m) => m.name === u.map);
  if (map === undefined || u.key === undefined || u.value === undefined) continue;
  u8().fill(0, scratch, scratch + 2048);
  u8().set(hex(u.key), scratch);
  u8().set(hex(u.value), scratch + 1024);
  const err = exports.host_update(map.address, scratch, scratch + 1024, 0n);
  if (err !== 0) throw new Error(`host_update ${u.map}: errno ${-err}`);
}

const golden = JSON.parse(readFileSync(goldenPath, 'utf8'));
const prog = manifest.programs.find((p) => p.name === golden.program);
if (prog === undefined || prog.type !== 'xdp') throw new Error(`no xdp program ${golden.program}`);
exports.set_budget(1_000_000, 0);
for (const run of golden.runs) {
  const packet = hex(run.packetIn);
  // struct xdp_md at ctxBase: data, data_end, data_meta, ingress_ifindex (u32 each); the packet
  // at dataBase with the headroom before it, all zero like a fresh frame.
  u8().fill(0, layout.ctxBase, layout.ctxBase + layout.ctxSize);
  u8().fill(0, layout.packetBase, layout.dataBase + 4096);
  u8().set(packet, layout.dataBase);
  const ctx = dv();
  ctx.setUint32(layout.ctxBase + 0, layout.dataBase, true);
  ctx.setUint32(layout.ctxBase + 4, layout.dataBase + packet.length, true);
  ctx.setUint32(layout.ctxBase + 8, layout.dataBase, true);
  ctx.setUint32(layout.ctxBase + 12, 1, true);
  u8().fill(0, layout.stackBase, layout.stackBase + layout.frameSize * layout.maxFrames);
  const r0 = exports[prog.export](layout.ctxBase, packet.length) >>> 0;
  const data = dv().getUint32(layout.ctxBase + 0, true);
  const end = dv().getUint32(layout.ctxBase + 4, true);
  console.log(`${r0} ${toHex(u8().slice(data, end))}`);
}
