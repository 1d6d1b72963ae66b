// The template language of the SIMD kernel files (src/codegen/kernels/templates/*.c.in), in the spirit of
// XNNPACK's xngen but much smaller: a template is C text with
//   $if NAME / $if !NAME, $elif [!]NAME, $else, $endif   lines choosing text by a boolean parameter (nestable),
//   $# comment                                         a line about the template, not copied,
//   ${NAME}                                            a string or number parameter, anywhere in a copied line.
// Directives stand alone on their line (leading spaces allowed); any other line starting with `$` is an error,
// as is a parameter the table does not define or one of the wrong kind.

export type TemplateParams = Readonly<Record<string, string | number | boolean>>;

const DIRECTIVE = /^\s*\$(#|if\b|elif\b|else\b|endif\b)\s*(.*)$/;
const SUBST = /\$\{([A-Za-z_]\w*)\}/g;

interface Frame {
  /** Whether the enclosing text is copied at all. */
  outer: boolean;
  /** Whether a branch of this $if has been taken. */
  taken: boolean;
  /** Whether the current branch is copied. */
  on: boolean;
  /** Whether $else has been seen. */
  sawElse: boolean;
  line: number;
}

/** Expands `template` with `params`; `name` labels errors (`name:line: message`). */
export function expandTemplate(template: string, params: TemplateParams, name = 'template'): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const fail = (line: number, msg: string): never => {
    throw new Error(`${name}:${line}: ${msg}`);
  };
  const cond = (line: number, text: string): boolean => {
    const m = /^(!?)([A-Za-z_]\w*)$/.exec(text.trim());
    if (!m) return fail(line, `expected NAME or !NAME after the directive, got '${text.trim()}'`);
    const v = params[m[2]!];
    if (typeof v !== 'boolean') return fail(line, `'${m[2]}' is not a boolean parameter of this file`);
    return m[1] ? !v : v;
  };
  const lines = template.split('\n');
  lines.forEach((text, i) => {
    const line = i + 1;
    const top = stack[stack.length - 1];
    const copying = top ? top.on : true;
    const d = DIRECTIVE.exec(text);
    if (!d) {
      if (/^\s*\$(?!\{)/.test(text)) fail(line, `unknown directive '${text.trim()}'`);
      if (copying)
        out.push(
          text.replace(SUBST, (_, key: string) => {
            const v = params[key];
            if (typeof v !== 'string' && typeof v !== 'number') return fail(line, `'${key}' is not a string or number parameter of this file`);
            return String(v);
          }),
        );
      return;
    }
    const [, word, rest] = d;
    if (word === '#') return;
    if (word === 'if') {
      const on = copying && cond(line, rest!);
      stack.push({ outer: copying, taken: on, on, sawElse: false, line });
      return;
    }
    if (!top) return fail(line, `$${word} without $if`);
    if (word === 'endif') {
      if (rest!.trim()) fail(line, '$endif takes no argument');
      stack.pop();
    } else if (word === 'else') {
      if (top.sawElse) fail(line, 'a second $else');
      if (rest!.trim()) fail(line, '$else takes no argument');
      top.on = top.outer && !top.taken;
      top.taken = true;
      top.sawElse = true;
    } else {
      if (top.sawElse) fail(line, '$elif after $else');
      const c = cond(line, rest!);
      top.on = top.outer && !top.taken && c;
      top.taken ||= top.on;
    }
  });
  if (stack.length) fail(stack[stack.length - 1]!.line, '$if without $endif');
  return out.join('\n');
}
