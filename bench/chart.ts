// The benchmark chart: bench/results.json (written by bench/run.ts) drawn as bench/results.svg, a
// horizontal grouped bar chart of median time per run on a log-scale axis: one group per kernel,
// one bar per engine (interp, jit, aot, ... as measured) and the native -O2 ceiling when it ran,
// with a legend, decade ticks, and the date and machine in a caption. Plain SVG text with
// explicit fonts and a light background, so it reads the same on GitHub as in a browser.
// `node bench/chart.js` (make bench runs it after run.js) writes the file; renderChart is pure.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_DIR } from './programs.js';

export interface ChartProgram {
  readonly name: string;
  /** Median ns per run of each engine, in the order the bars are drawn. */
  readonly engines: Readonly<Record<string, { readonly medianNs: number }>>;
  readonly native: { readonly medianNs: number } | null;
}

/** The part of results.json the chart reads. */
export interface ChartResults {
  readonly date: string;
  readonly node: string;
  readonly machine: { readonly cpu: string; readonly cores: number };
  readonly native?: {
    readonly version?: string;
    readonly flags?: readonly string[];
    readonly skipped?: string;
  };
  readonly programs: readonly ChartProgram[];
  /** Geometric means over the kernels, shown under the caption when present. */
  readonly geomean?: {
    readonly speedup?: Readonly<Record<string, number>>;
    readonly nativeRatio?: Readonly<Record<string, number>> | null;
  };
}

const COLORS: Readonly<Record<string, string>> = {
  interp: '#9e9e9e',
  jit: '#1f77b4',
  aot: '#ff7f0e',
  native: '#2ca02c',
};
const SPARE_COLORS = ['#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

const WIDTH = 960;
const LEFT = 110;
const RIGHT = 90;
const TOP = 80;
const BAR = 11;
const BAR_GAP = 2;
const GROUP_GAP = 14;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1234 -> "1.23 µs": three significant digits and a unit. */
export function formatNs(ns: number): string {
  const units: readonly [number, string][] = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'µs'],
    [1, 'ns'],
  ];
  for (const [scale, unit] of units) {
    if (ns >= scale || scale === 1) return `${Number((ns / scale).toPrecision(3))} ${unit}`;
  }
  return `${ns} ns`;
}

/** Series (bar kinds) in drawing order: the engines as results.json lists them, then native. */
function seriesOf(results: ChartResults): string[] {
  const names: string[] = [];
  for (const p of results.programs) {
    for (const e of Object.keys(p.engines)) if (!names.includes(e)) names.push(e);
  }
  if (results.programs.some((p) => p.native !== null)) names.push('native');
  return names;
}

function valueOf(p: ChartProgram, series: string): number | undefined {
  const v = series === 'native' ? p.native?.medianNs : p.engines[series]?.medianNs;
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The SVG text of the chart. */
export function renderChart(results: ChartResults): string {
  const series = seriesOf(results);
  const color = (s: string, i: number): string =>
    COLORS[s] ?? SPARE_COLORS[i % SPARE_COLORS.length] ?? '#333333';
  const values = results.programs.flatMap((p) =>
    series.map((s) => valueOf(p, s)).filter((v) => v !== undefined),
  );
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1e3)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 1e4)));
  const plotW = WIDTH - LEFT - RIGHT;
  const x = (ns: number): number =>
    LEFT + ((Math.log10(ns) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const groupH = series.length * (BAR + BAR_GAP) - BAR_GAP;
  const plotH = results.programs.length * (groupH + GROUP_GAP) + GROUP_GAP;
  const axisY = TOP + plotH;
  const height = axisY + 78;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
  );
  out.push(`<rect class="background" width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<text x="${LEFT}" y="24" font-size="16" font-weight="bold" fill="#222222">` +
      `ebpf-wasm compute kernels: median time per run (log scale, shorter is faster)</text>`,
  );
  const native =
    results.native === undefined
      ? ''
      : results.native.skipped !== undefined
        ? ` · native: skipped`
        : ` · native: ${results.native.version ?? 'cc'} ${(results.native.flags ?? []).join(' ')}`;
  out.push(
    `<text class="caption" x="${LEFT}" y="44" font-size="11" fill="#555555">` +
      esc(
        `${results.date.slice(0, 10)} · ${results.machine.cpu} · ${results.machine.cores} cores` +
          ` · node ${results.node}${native}`,
      ) +
      `</text>`,
  );
  const means = [
    ...Object.entries(results.geomean?.speedup ?? {}).map(
      ([e, v]) => `${e} ${Number(v.toPrecision(3))}x faster than interp`,
    ),
    ...Object.entries(results.geomean?.nativeRatio ?? {})
      .filter(([e]) => e !== 'interp')
      .map(([e, v]) => `${e} ${Number(v.toPrecision(3))}x native time`),
  ];
  if (means.length > 0) {
    out.push(
      `<text class="caption" x="${LEFT}" y="60" font-size="11" fill="#555555">` +
        esc(`geometric means over ${results.programs.length} kernels: ${means.join(', ')}`) +
        `</text>`,
    );
  }
  // Decade grid lines and tick labels.
  for (let t = lo; t <= hi * 1.0001; t *= 10) {
    const tx = x(t).toFixed(1);
    out.push(
      `<line x1="${tx}" y1="${TOP}" x2="${tx}" y2="${axisY}" stroke="#e0e0e0" stroke-width="1"/>`,
    );
    out.push(
      `<text class="tick" x="${tx}" y="${axisY + 16}" font-size="11" text-anchor="middle" ` +
        `fill="#333333">${esc(formatNs(t))}</text>`,
    );
  }
  out.push(
    `<line x1="${LEFT}" y1="${axisY}" x2="${LEFT + plotW}" y2="${axisY}" stroke="#333333" stroke-width="1"/>`,
  );
  out.push(
    `<text x="${LEFT + plotW / 2}" y="${axisY + 34}" font-size="12" text-anchor="middle" ` +
      `fill="#333333">median ns per run (log scale)</text>`,
  );
  // One group per kernel, one bar per series.
  results.programs.forEach((p, g) => {
    const gy = TOP + GROUP_GAP + g * (groupH + GROUP_GAP);
    out.push(
      `<text class="kernel" x="${LEFT - 8}" y="${(gy + groupH / 2 + 4).toFixed(1)}" ` +
        `font-size="12" text-anchor="end" fill="#222222">${esc(p.name)}</text>`,
    );
    series.forEach((s, i) => {
      const v = valueOf(p, s);
      if (v === undefined) return;
      const y = gy + i * (BAR + BAR_GAP);
      const w = Math.max(1, x(v) - LEFT);
      out.push(
        `<rect class="bar" x="${LEFT}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" ` +
          `fill="${color(s, i)}"><title>${esc(`${p.name} ${s}: ${formatNs(v)}`)}</title></rect>`,
      );
      out.push(
        `<text class="value" x="${(LEFT + w + 4).toFixed(1)}" y="${y + BAR - 2}" font-size="9" ` +
          `fill="#444444">${esc(formatNs(v))}</text>`,
      );
    });
  });
  // Legend under the axis.
  let lx = LEFT;
  const ly = axisY + 52;
  series.forEach((s, i) => {
    out.push(
      `<rect class="swatch" x="${lx}" y="${ly}" width="12" height="12" fill="${color(s, i)}"/>`,
    );
    const label = s === 'native' ? 'native (C, -O2)' : s;
    out.push(
      `<text class="legend" x="${lx + 17}" y="${ly + 10}" font-size="12" fill="#222222">${esc(label)}</text>`,
    );
    lx += 17 + label.length * 7 + 24;
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function main(): void {
  const source = process.argv[2] ?? fileURLToPath(new URL('results.json', BENCH_DIR));
  const target = process.argv[3] ?? fileURLToPath(new URL('results.svg', BENCH_DIR));
  const results = JSON.parse(readFileSync(source, 'utf8')) as ChartResults;
  if (!Array.isArray(results.programs) || results.programs.some((p) => p.engines === undefined)) {
    throw new Error(`${source}: no per-engine results (run bench/run.ts first)`);
  }
  writeFileSync(target, renderChart(results));
  console.log(`wrote ${target}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
