// Build step (npm run build): compile maps.wat to dist/runtime/maps/maps.wasm, so the built
// package instantiates the maps module without loading wabt. Sources under src/ (tests, dev)
// still compile the WAT at import.
//   node src/runtime/maps/build-wasm.mjs [out.wasm]
import { readFileSync, writeFileSync } from 'node:fs';
import { URL } from 'node:url';
import initWabt from 'wabt';

const src = new URL('./maps.wat', import.meta.url);
const out = process.argv[2] ?? 'dist/runtime/maps/maps.wasm';
const wabt = await initWabt();
const parsed = wabt.parseWat('maps.wat', readFileSync(src, 'utf8'), { bulk_memory: true });
try {
  parsed.validate();
  writeFileSync(out, parsed.toBinary({}).buffer);
} finally {
  parsed.destroy();
}
