#!/usr/bin/env node
// The ebpf-wasm command. The code is compiled to dist/ (`npm run build`; `npm ci` runs it).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
