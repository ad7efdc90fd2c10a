/**
 * Local links of Markdown files: which ones point at a file or an anchor that does not exist.
 * Pure apart from reading the files named; used by markdown-links.test.ts over README.md and
 * docs/*.md so a renamed heading or moved doc fails a test instead of a reader.
 *
 * Anchors follow GitHub's rule (lower case, punctuation dropped, spaces → `-`, repeats get
 * `-1`, `-2`…), computed from the heading's text with inline code/emphasis marks removed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/** GitHub's heading anchor for a heading's text (without the leading `#`s). */
export function slugOf(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading keeps its text
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Lines outside fenced code blocks, with inline code blanked (links in code are not links). */
function proseLines(markdown: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((text, i) => {
    const m = /^\s*(```+|~~~+)/.exec(text);
    if (m) {
      if (fence === null) fence = m[1]![0]!;
      else if (m[1]![0] === fence) fence = null;
      return;
    }
    if (fence === null) out.push({ line: i + 1, text });
  });
  return out;
}

/** Every anchor a Markdown file defines: its headings' slugs and explicit `<a id|name="…">`. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (h) {
      const base = slugOf(h[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(a[1]!);
  }
  return anchors;
}

/** The `[text](target)` links of a Markdown text, outside code, with their line numbers. */
export function linksOf(markdown: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  for (const { line, text } of proseLines(markdown)) {
    const prose = text.replace(/`[^`]*`/g, '``');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line, target: m[1]! });
  }
  return links;
}

const external = /^[a-z][a-z0-9+.-]*:/i; // http:, https:, mailto:…

/** The links of `file` whose local file or anchor does not exist. */
export function brokenLinks(file: string): BrokenLink[] {
  const markdown = readFileSync(file, 'utf8');
  const broken: BrokenLink[] = [];
  for (const { line, target } of linksOf(markdown)) {
    if (external.test(target)) continue;
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart ? resolve(dirname(file), decodeURIComponent(pathPart)) : file;
    if (!existsSync(path)) {
      broken.push({ file, line, target, reason: `${pathPart} does not exist` });
      continue;
    }
    if (anchor === undefined || !path.endsWith('.md') || statSync(path).isDirectory()) continue;
    const anchors = path === file ? anchorsOf(markdown) : anchorsOf(readFileSync(path, 'utf8'));
    if (!anchors.has(decodeURIComponent(anchor))) broken.push({ file, line, target, reason: `no heading or anchor "#${anchor}" in ${pathPart || 'this file'}` });
  }
  return broken;
}
