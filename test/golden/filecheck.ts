// A small lit/FileCheck for the golden tests: directives in `//` comments of a .qir or .qpat file.
//   // RUN: qforge <verb> %s …     the command (in-process CLI); %s is this file, %S its folder
//   // EXIT: 1                      its exit status (default 0)
//   // CHECK: text                  stdout has a line containing text, after the previous match
//   // CHECK-NEXT: text             … on the line right after the previous match
//   // CHECK-NOT: text              … not between the previous match and the next one (or the end)
//   // ERR: / ERR-NEXT: / ERR-NOT:  the same on stderr
//   // expected-error@+N {{text}}   a diagnostic QFxxxx at line (this line + N) of this file whose
//   // expected-warning@-N {{text}} message contains text (@+0 or no @: this line); when a file has
//                                   any, every error and warning about it must be expected
// In CHECK/ERR texts {{regex}} matches a regular expression (FileCheck's syntax); %s and %S are
// substituted in the RUN line only, so value names such as %s stay literal in checks.

export type Kind = 'CHECK' | 'CHECK-NEXT' | 'CHECK-NOT' | 'ERR' | 'ERR-NEXT' | 'ERR-NOT';

export interface Directive {
  kind: Kind;
  pattern: RegExp;
  text: string;
  line: number;
}

export interface Expected {
  severity: 'error' | 'warning';
  line: number;
  text: string;
  at: number;
}

export interface Spec {
  run: string[];
  exit: number;
  checks: Directive[];
  expected: Expected[];
}

const DIRECTIVE = /\/\/\s*(RUN|EXIT|CHECK|CHECK-NEXT|CHECK-NOT|ERR|ERR-NEXT|ERR-NOT):\s?(.*)$/;
const EXPECTED = /\/\/\s*expected-(error|warning)(?:@([+-]\d+))?\s*\{\{(.*)\}\}\s*$/;

/** `text` with {{regex}} parts as a RegExp; everything else literal. */
export function toRegExp(text: string): RegExp {
  let src = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) break;
    src += escapeRegExp(text.slice(i, open)) + `(?:${text.slice(open + 2, close)})`;
    i = close + 2;
  }
  return new RegExp(src + escapeRegExp(text.slice(i)));
}
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Splits a RUN line into argv (single and double quotes group words). */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m; (m = re.exec(line)); ) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

export function parseSpec(text: string, subst: (s: string) => string): Spec {
  const spec: Spec = { run: [], exit: 0, checks: [], expected: [] };
  text.split('\n').forEach((l, i) => {
    const line = i + 1;
    const e = EXPECTED.exec(l);
    if (e) {
      spec.expected.push({ severity: e[1] as 'error' | 'warning', line: line + Number(e[2] ?? 0), text: e[3]!, at: line });
      return;
    }
    const d = DIRECTIVE.exec(l);
    if (!d) return;
    const [, kind, rest] = d as unknown as [string, string, string];
    if (kind === 'RUN') {
      if (spec.run.length) throw new Error(`line ${line}: one RUN line per file`);
      const argv = splitArgs(subst(rest.trim()));
      if (argv[0] !== 'qforge') throw new Error(`line ${line}: RUN must start with qforge`);
      spec.run = argv.slice(1);
    } else if (kind === 'EXIT') spec.exit = Number(rest.trim());
    else spec.checks.push({ kind: kind as Kind, text: rest.trim(), pattern: toRegExp(rest.trim()), line });
  });
  if (!spec.run.length) throw new Error('no RUN line');
  return spec;
}

/** Failures of the CHECK-style directives of one stream (`prefix`: CHECK or ERR) against `output`. */
export function checkStream(checks: readonly Directive[], prefix: 'CHECK' | 'ERR', output: string): string[] {
  const lines = output.split('\n');
  const mine = checks.filter((c) => c.kind === prefix || c.kind.startsWith(`${prefix}-`));
  const fails: string[] = [];
  let cursor = 0; // first line not yet consumed
  let last = -1; // line of the previous positive match
  let nots: Directive[] = [];
  const notsBetween = (from: number, to: number) => {
    for (const n of nots) for (let k = from; k < to; k++) if (n.pattern.test(lines[k]!)) fails.push(`line ${n.line}: ${n.kind}: '${n.text}' found at output line ${k + 1}: ${lines[k]}`);
    nots = [];
  };
  for (const c of mine) {
    if (c.kind.endsWith('-NOT')) {
      nots.push(c);
      continue;
    }
    let found = -1;
    if (c.kind.endsWith('-NEXT')) {
      if (last >= 0 && last + 1 < lines.length && c.pattern.test(lines[last + 1]!)) found = last + 1;
      else {
        fails.push(`line ${c.line}: ${c.kind}: '${c.text}' is not on the line after the previous match (${last + 2}: ${lines[last + 1] ?? '<end>'})`);
        return fails;
      }
    } else {
      for (let k = cursor; k < lines.length; k++)
        if (c.pattern.test(lines[k]!)) {
          found = k;
          break;
        }
      if (found < 0) {
        fails.push(`line ${c.line}: ${c.kind}: '${c.text}' not found after output line ${cursor}`);
        return fails;
      }
    }
    notsBetween(cursor, found);
    cursor = found + 1;
    last = found;
  }
  notsBetween(cursor, lines.length);
  return fails;
}

/** Failures of expected-error/-warning against the `file:line:col: error|warning QFxxxx: msg` lines of stderr. */
export function checkExpected(expected: readonly Expected[], file: string, stderr: string): string[] {
  if (!expected.length) return [];
  const got = stderr
    .split('\n')
    .map((l) => /^(.*):(\d+):(\d+): (error|warning) (QF\d+: .*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && m[1] === file)
    .map((m) => ({ line: Number(m[2]), severity: m[4]!, text: m[5]!, used: false }));
  const fails: string[] = [];
  for (const e of expected) {
    const hit = got.find((g) => !g.used && g.line === e.line && g.severity === e.severity && g.text.includes(e.text));
    if (hit) hit.used = true;
    else fails.push(`line ${e.at}: expected ${e.severity} at line ${e.line} containing '${e.text}'; got: ${got.filter((g) => g.line === e.line).map((g) => g.text).join(' | ') || 'none on that line'}`);
  }
  for (const g of got) if (!g.used) fails.push(`unexpected ${g.severity} at line ${g.line}: ${g.text}`);
  return fails;
}
