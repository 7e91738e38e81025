// Benchmark figures: each one printed beside its baseline from the same run and the ratio between them, and handed
// to bench/run.ts (through $BENCH_OUT) for the summary and bench/RESULTS.md.
//
// A benchmark script measures, prints whatever detail it likes, and ends with one `reportFigures(section, figures)`.

import { appendFileSync } from "node:fs";

export interface Figure {
  /** What was measured, e.g. "admissions/s at concurrency 8". */
  readonly name: string;
  readonly value: number;
  /** Unit of `value` and of the baseline's value: "/s", "ms", "MiB" … */
  readonly unit: string;
  /** The reference measured in the same run (a Go service, raw crypto, JSON.parse …). */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** The goal as text, e.g. "≥ 1.5× baseline", "≤ 2 ms", "< 5 ms". */
  readonly target?: string;
  /** Whether the target was met; absent when there is no target. */
  readonly met?: boolean;
}

/** One benchmark's figures and notes, as bench/run.ts collects them. */
export interface SectionRecord {
  readonly section: string;
  readonly figures: readonly Figure[];
  readonly notes: readonly string[];
}

/** value / baseline, the one ratio every table shows (> 1: the figure is larger than its baseline). */
export function ratioOf(f: Figure): number | undefined {
  return f.baseline === undefined || f.baseline.value === 0 ? undefined : f.value / f.baseline.value;
}

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

/** The figures as aligned text lines: figure, value, baseline, ratio, target. */
export function formatFigures(figures: readonly Figure[]): string[] {
  const rows = figures.map((f) => {
    const r = ratioOf(f);
    return [
      f.name,
      `${formatNumber(f.value)} ${f.unit}`,
      f.baseline === undefined ? "" : `${formatNumber(f.baseline.value)} ${f.unit} (${f.baseline.name})`,
      r === undefined ? "" : `${r.toFixed(2)}×`,
      f.target === undefined ? "" : `${f.target}${f.met === undefined ? "" : f.met ? " ok" : " MISSED"}`,
    ];
  });
  const header = ["figure", "value", "baseline (same run)", "ratio", "target"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

/** Prints the figures and passes them to the runner; call once at the end of a benchmark script. */
export function reportFigures(
  section: string,
  figures: readonly Figure[],
  notes: readonly string[] = [],
): void {
  console.log(`\n${section}`);
  for (const line of formatFigures(figures)) console.log(`  ${line}`);
  for (const n of notes) console.log(`  note: ${n}`);
  const out = process.env.BENCH_OUT;
  if (out) appendFileSync(out, `${JSON.stringify({ section, figures, notes } satisfies SectionRecord)}\n`);
}
