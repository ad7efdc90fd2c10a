/**
 * Benchmark figures and BENCHMARKS.md. Every figure is printed beside the raw floor measured in
 * the same run (the same work done by the barest means: a prepared statement, a Map lookup, a bare
 * zip) and the ratio, so a reader can judge the overhead rather than a number from another machine.
 */
import { cpus, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface Figure {
  /** What was measured, e.g. "sale latency p99 (durable, 50k articles)". */
  name: string;
  value: number;
  unit: string;
  /** The same work done the barest way in this run, same unit. */
  floor?: number;
  /** Target as text, e.g. "≤ 15 ms". */
  target?: string;
  /** Whether the target is met (undefined when there is no target). */
  met?: boolean;
  note?: string;
}

export interface BenchSection {
  title: string;
  params: Record<string, string | number>;
  figures: Figure[];
}

export function ratio(f: Figure): string {
  if (f.floor === undefined || f.floor === 0) return '';
  // For rates (higher is better) the overhead is floor/value; for times it is value/floor.
  const higherIsBetter = /\/s$/.test(f.unit);
  const r = higherIsBetter ? f.floor / f.value : f.value / f.floor;
  return `${r.toFixed(2)}×`;
}

function num(v: number): string {
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

export function renderText(s: BenchSection): string {
  const lines = [`${s.title} (${Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(', ')})`];
  for (const f of s.figures) {
    const floor = f.floor !== undefined ? `  floor ${num(f.floor)} ${f.unit}  ratio ${ratio(f)}` : '';
    const target = f.target ? `  target ${f.target} ${f.met ? 'met' : 'MISSED'}` : '';
    lines.push(`  ${f.name}: ${num(f.value)} ${f.unit}${floor}${target}${f.note ? `  (${f.note})` : ''}`);
  }
  return lines.join('\n');
}

const HEADER = [
  '# Benchmarks',
  '',
  'Measured by `tillsync bench`. Each figure stands beside the raw floor measured in the same run (the same work by the barest means) and the ratio (overhead over the floor); each section says when and on what machine it was measured.',
  '',
].join('\n');

export function renderSection(s: BenchSection, at = new Date()): string {
  const out = [`## ${s.title}`, '', `Measured on ${at.toISOString().slice(0, 10)} — ${machine()}.`, '', `Parameters: ${Object.entries(s.params).map(([k, v]) => `${k} = ${v}`).join(', ')}`, ''];
  out.push('| figure | value | raw floor | ratio | target |', '|---|---|---|---|---|');
  for (const f of s.figures) {
    out.push(`| ${f.name} | ${num(f.value)} ${f.unit} | ${f.floor !== undefined ? `${num(f.floor)} ${f.unit}` : '—'} | ${ratio(f) || '—'} | ${f.target ? `${f.target} ${f.met ? '✅' : '❌'}` : '—'} |`);
  }
  for (const f of s.figures.filter((x) => x.note)) out.push('', `- ${f.name}: ${f.note}`);
  out.push('');
  return out.join('\n');
}

export function renderMarkdown(sections: BenchSection[], at = new Date()): string {
  return [HEADER, ...sections.map((s) => renderSection(s, at))].join('\n');
}

/**
 * The heading of the hand-kept section of BENCHMARKS.md: figures measured by other means (the
 * register page in Chromium, a bench run at other sizes). BENCHMARKS.md is the one place with
 * figures, so a bench run must not drop them: the section is carried over from the file it replaces.
 */
export const KEPT_SECTION_HEADING = '## Measured outside the last `tillsync bench` run';

/**
 * A run replaces the sections it measured (same title) and keeps the others, so `tillsync bench
 * startup` does not wipe the posting figures; the hand-kept section stays last.
 */
export function writeBenchmarks(path: string, sections: BenchSection[], at = new Date()): void {
  const previous = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const cut = previous.indexOf(`\n${KEPT_SECTION_HEADING}\n`);
  const kept = cut < 0 ? '' : `\n${previous.slice(cut + 1).trimEnd()}\n`;
  const body = cut < 0 ? previous : previous.slice(0, cut + 1);
  const old = new Map<string, string>();
  for (const part of body.split(/\n(?=## )/).slice(1)) old.set(part.slice(3, part.indexOf('\n')).trim(), `${part.trimEnd()}\n`);
  const fresh = new Map(sections.map((s) => [s.title, renderSection(s, at)]));
  const order = [...old.keys(), ...sections.map((s) => s.title).filter((t) => !old.has(t))];
  writeFileSync(path, [HEADER, ...order.map((t) => fresh.get(t) ?? old.get(t)!)].join('\n') + kept);
}
