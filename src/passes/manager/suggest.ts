// "Did you mean" hints for pass and option names, on top of the IR layer's nearest-name search.
import { nearest } from '../../ir/suggest.js';

/** `did you mean 'cse'? valid passes: a, b, c` */
export function suggestion(name: string, known: readonly string[], what: string): string {
  const near = nearest(name, known);
  const list = known.length ? `valid ${what}: ${known.join(', ')}` : `there are no ${what}`;
  return near ? `did you mean '${near}'? ${list}` : list;
}
