/**
 * Finds text a person would read on a screen that is not taken from a message catalogue: the
 * check behind server/web/i18n/ui-strings.test.ts (docs/screens.md, "Every string in a catalogue").
 *
 * Back office (TypeScript): every html`` template of server/web/ is parsed with the TypeScript
 * compiler. Its literal text — text nodes and the attributes people read (title, placeholder,
 * aria-label, alt) — must hold no letter; a string literal interpolated in such a place (a
 * branch of a ?: or ||) must hold no letter either; nested html`` templates are checked in the
 * context they land in (inside a tag, only their readable attributes count). Text inside
 * <code> is a command, left as it is. Page titles (`title: '…'`) must come from t() too.
 * Register (plain JS + HTML): index.html's text and readable attributes must all be {{key}}
 * placeholders; in register.js, the string literals given to the places that reach the screen
 * (el() children and readable attributes, say(), textContent/placeholder/title assignments,
 * openSheet titles, confirm labels, receipt lines) must hold no letter.
 */
import ts from 'typescript';
import { readFileSync } from 'node:fs';

export interface UiString {
  file: string;
  line: number;
  text: string;
}

const LETTER = /\p{L}/u;
const READABLE_ATTR = /^(title|placeholder|aria-label|alt|label)$/i;
/** Words that are names, not language: the product and file formats. */
const ALLOWED = /^(tillsync|PDF|FEC|CSV|XML)$/;

function hasWords(text: string): boolean {
  const words = text
    .replace(/&[a-z]+;|&#\d+;/gi, ' ')
    // Function keys are the same in every language.
    .replace(/\bF\d{1,2}\b/g, ' ')
    .split(/[^\p{L}]+/u)
    .filter(Boolean);
  return words.some((w) => LETTER.test(w) && !ALLOWED.test(w));
}

type Ctx = 'text' | 'tag' | 'readable' | 'other';

/** Where a placeholder at the end of `prefix` lands: in text, inside a tag, in a readable attribute or another. */
function contextAt(prefix: string, start: Ctx): Ctx {
  const s = (start === 'tag' ? '<x ' : '') + prefix;
  const lt = s.lastIndexOf('<');
  const gt = s.lastIndexOf('>');
  if (lt <= gt) return start === 'readable' || start === 'other' ? start : 'text';
  const inTag = s.slice(lt);
  const open = /([\w:-]+)\s*=\s*"([^"]*)$/.exec(inTag);
  if (open) return READABLE_ATTR.test(open[1]) ? 'readable' : 'other';
  return 'tag';
}

/** The readable text of a template's literal parts (placeholders as \0). */
function literalText(s: string, start: Ctx): string[] {
  if (start === 'other') return [];
  if (start === 'readable') return [s];
  let src = (start === 'tag' ? '<x ' : '') + s;
  src = src.replace(/<code>[\s\S]*?<\/code>/g, ' ').replace(/<!doctype[^>]*>/gi, ' ');
  const out: string[] = [];
  // Readable attributes of every tag.
  for (const m of src.matchAll(/<[^>]*>/g)) for (const a of m[0].matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) if (READABLE_ATTR.test(a[1])) out.push(a[2]);
  // An unclosed tag at the end (the template stops inside a tag): its readable attributes.
  const tail = /<[^>]*$/.exec(src.replace(/<[^>]*>/g, ''));
  if (tail) for (const a of tail[0].matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) if (READABLE_ATTR.test(a[1])) out.push(a[2]);
  out.push(src.replace(/<[^>]*>/g, ' ').replace(/<[^>]*$/, ' '));
  return out;
}

function isHtmlTemplate(n: ts.Node): n is ts.TaggedTemplateExpression {
  return ts.isTaggedTemplateExpression(n) && ts.isIdentifier(n.tag) && n.tag.text === 'html';
}

const TRANSLATING = new Set(['t', 'th', 'label', 'tr']);

export function backOfficeUiStrings(file: string): UiString[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: UiString[] = [];
  const report = (node: ts.Node, text: string) => out.push({ file, line: src.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: text.replace(/\s+/g, ' ').trim().slice(0, 80) });

  /** An interpolated expression landing in `ctx`: literals are checked, nested templates followed. */
  function expression(e: ts.Node, ctx: Ctx): void {
    if (isHtmlTemplate(e)) return template(e, ctx);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) {
      if ((ctx === 'text' || ctx === 'readable') && hasWords(e.text)) report(e, e.text);
      return;
    }
    if (ts.isTemplateExpression(e)) {
      const parts = [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join(' ');
      if ((ctx === 'text' || ctx === 'readable') && hasWords(parts)) report(e, parts);
      for (const s of e.templateSpans) expression(s.expression, ctx);
      return;
    }
    if (ts.isConditionalExpression(e)) {
      expression(e.whenTrue, ctx);
      expression(e.whenFalse, ctx);
      return;
    }
    if (ts.isBinaryExpression(e)) {
      expression(e.left, ctx);
      expression(e.right, ctx);
      return;
    }
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e)) return expression(e.expression, ctx);
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && TRANSLATING.has(e.expression.text)) return;
    // Anything else (a call, a map over rows): only the templates inside it, in this context.
    ts.forEachChild(e, function find(n): void {
      if (isHtmlTemplate(n)) template(n, ctx);
      else if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && TRANSLATING.has(n.expression.text)) return;
      else if (ts.isArrowFunction(n) && !ts.isBlock(n.body)) expression(n.body, ctx);
      else if (ts.isReturnStatement(n) && n.expression) expression(n.expression, ctx);
      else ts.forEachChild(n, find);
    });
  }

  function template(node: ts.TaggedTemplateExpression, start: Ctx): void {
    const tpl = node.template;
    if (ts.isNoSubstitutionTemplateLiteral(tpl)) {
      for (const text of literalText(tpl.text, start)) if (hasWords(text)) report(node, text);
      return;
    }
    let seen = tpl.head.text;
    const pieces = [tpl.head.text];
    for (const span of tpl.templateSpans) {
      expression(span.expression, contextAt(seen, start));
      seen += `\0${span.literal.text}`;
      pieces.push(span.literal.text);
    }
    for (const text of literalText(pieces.join('\0'), start)) if (hasWords(text.replace(/\0/g, ' '))) report(node, text.replace(/\0/g, '…'));
  }

  const visit = (n: ts.Node): void => {
    if (isHtmlTemplate(n)) {
      // Top-level templates only: nested ones are reached through their parent, in its context.
      let p: ts.Node | undefined = n.parent;
      while (p && !isHtmlTemplate(p)) p = p.parent;
      if (!p) template(n, 'text');
    }
    // Page titles given to renderPage/page.
    if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'title') expression(n.initializer, 'readable');
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

/** index.html of the register: every text node and readable attribute is a {{key}} placeholder. */
export function registerHtmlUiStrings(file: string): UiString[] {
  const text = readFileSync(file, 'utf8');
  const out: UiString[] = [];
  const lineOf = (i: number) => text.slice(0, i).split('\n').length;
  const body = text.replace(/<!doctype[^>]*>/i, '');
  for (const m of body.matchAll(/<[^>]*>/g)) for (const a of m[0].matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) if (READABLE_ATTR.test(a[1]) && hasWords(a[2].replace(/\{\{[^}]+\}\}/g, ''))) out.push({ file, line: lineOf(text.indexOf(m[0])), text: a[2] });
  const stripped = body.replace(/<[^>]*>/g, (m) => ' '.repeat(m.length));
  for (const m of stripped.matchAll(/[^\s]+/g)) {
    const w = m[0].replace(/\{\{[^}]+\}\}/g, '');
    if (hasWords(w)) out.push({ file, line: lineOf(m.index ?? 0), text: m[0] });
  }
  return out;
}

const JS_SINK_CALLS = new Set(['say', 'openSheet', 'field', 'receiptLine']);
const JS_SINK_PROPS = new Set(['textContent', 'placeholder', 'title']);

/** register.js: literals given to what reaches the screen. */
export function registerJsUiStrings(file: string): UiString[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const out: UiString[] = [];
  const check = (e: ts.Node) => {
    const walk = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && (n.expression.text === 't' || n.expression.text === 'money' || n.expression.text === 'fmtCents')) return;
      if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
        if (hasWords(n.text)) out.push({ file, line: src.getLineAndCharacterOfPosition(n.getStart()).line + 1, text: n.text.slice(0, 80) });
        return;
      }
      if (ts.isTemplateExpression(n)) {
        const parts = [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join(' ');
        if (hasWords(parts)) out.push({ file, line: src.getLineAndCharacterOfPosition(n.getStart()).line + 1, text: parts.slice(0, 80) });
        for (const s of n.templateSpans) walk(s.expression);
        return;
      }
      if (ts.isConditionalExpression(n)) return (walk(n.whenTrue), walk(n.whenFalse));
      if (ts.isBinaryExpression(n)) return (walk(n.left), walk(n.right));
      if (ts.isParenthesizedExpression(n)) return walk(n.expression);
      if (ts.isArrayLiteralExpression(n)) return n.elements.forEach(walk);
    };
    walk(e);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
      const name = n.expression.text;
      if (name === 'el') {
        n.arguments.slice(2).forEach(check);
        const attrs = n.arguments[1];
        if (attrs && ts.isObjectLiteralExpression(attrs)) for (const p of attrs.properties) if (ts.isPropertyAssignment(p) && READABLE_ATTR.test(p.name.getText(src).replace(/['"]/g, ''))) check(p.initializer);
      } else if (JS_SINK_CALLS.has(name) && n.arguments[0]) check(n.arguments[0]);
    }
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) && JS_SINK_PROPS.has(n.left.name.text)) check(n.right);
    if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'label') check(n.initializer);
    // Lines pushed onto a printed receipt.
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'push' && ts.isIdentifier(n.expression.expression) && n.expression.expression.text === 'out') n.arguments.forEach(check);
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}
