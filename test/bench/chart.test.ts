// The benchmark chart (bench/chart.ts) from a fixture: well-formed SVG, one bar per measured
// engine and kernel, widths ordered as the times are (log scale), every label present.

import { describe, expect, it } from 'vitest';
import { type ChartResults, formatNs, renderChart } from '../../bench/chart.js';

const FIXTURE: ChartResults = {
  date: '2026-11-26T10:00:00.000Z',
  node: 'v20.20.2',
  machine: { cpu: 'AMD EPYC', cores: 2 },
  native: { version: 'cc (Debian 12.2.0-14) 12.2.0', flags: ['-O2'] },
  programs: [
    {
      name: 'memcpy',
      engines: { interp: { medianNs: 9.1e6 }, jit: { medianNs: 1.2e5 }, aot: { medianNs: 1.1e5 } },
      native: { medianNs: 7.1e4 },
    },
    {
      name: 'parse',
      engines: { interp: { medianNs: 2.5e5 }, jit: { medianNs: 2.9e3 }, aot: { medianNs: 3.1e3 } },
      native: { medianNs: 1.07e3 },
    },
    {
      // No native result and no aot result: those bars are left out, the group stays.
      name: 'a<b&c',
      engines: { interp: { medianNs: 4.2e4 }, jit: { medianNs: 310 } },
      native: null,
    },
  ],
  geomean: { speedup: { jit: 114.3, aot: 120 }, nativeRatio: { interp: 171, jit: 1.5, aot: 1.4 } },
};

/** Tags open and close in order (self-closing ones aside), and no stray `<` or `&` in text. */
function checkWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(last, m.index);
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toMatch(/&(?!(amp|lt|gt|quot);)/);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (closing === '/') expect(stack.pop()).toBe(name);
    else if (selfClosing !== '/') stack.push(name as string);
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

const barWidths = (svg: string): number[] =>
  [...svg.matchAll(/<rect class="bar"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));

describe('benchmark chart', () => {
  const svg = renderChart(FIXTURE);

  it('is one well-formed svg element', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    checkWellFormed(svg);
  });

  it('draws one rect per measured bar, in kernel then engine order', () => {
    // memcpy and parse: interp, jit, aot, native; the third kernel: interp and jit.
    const widths = barWidths(svg);
    expect(widths).toHaveLength(4 + 4 + 2);
    const [interp, jit, aot, native] = widths;
    expect(interp).toBeGreaterThan(jit as number);
    expect(jit).toBeGreaterThan(aot as number);
    expect(aot).toBeGreaterThan(native as number);
    // Log scale: 9.1 ms vs 91 µs would be 100x longer on a linear axis.
    expect((interp as number) / (jit as number)).toBeLessThan(3);
    expect(svg.match(/<rect class="swatch"/g)).toHaveLength(4);
  });

  it('labels kernels, legend, ticks, values and the caption', () => {
    for (const label of ['memcpy', 'parse', 'a&lt;b&amp;c', '>interp<', '>jit<', '>aot<']) {
      expect(svg).toContain(label);
    }
    expect(svg).toContain('native (C, -O2)');
    expect(svg).toContain('2026-11-26 · AMD EPYC · 2 cores · node v20.20.2');
    expect(svg).toContain('cc (Debian 12.2.0-14) 12.2.0 -O2');
    expect(svg).toContain(
      'geometric means over 3 kernels: jit 114x faster than interp, aot 120x faster than interp, ' +
        'jit 1.5x native time, aot 1.4x native time',
    );
    // Decade ticks from 100 ns to 10 ms cover 310 ns .. 9.1 ms.
    for (const tick of ['100 ns', '1 µs', '10 µs', '100 µs', '1 ms', '10 ms']) {
      expect(svg).toContain(`>${tick}</text>`);
    }
    expect(svg).toContain('>9.1 ms</text>');
    expect(svg).toContain('>310 ns</text>');
    expect(svg).toMatch(/font-size="\d+"/);
  });

  it('formats durations with a unit and three significant digits', () => {
    expect(formatNs(0.5)).toBe('0.5 ns');
    expect(formatNs(1234)).toBe('1.23 µs');
    expect(formatNs(71_196)).toBe('71.2 µs');
    expect(formatNs(2.5e9)).toBe('2.5 s');
  });
});
