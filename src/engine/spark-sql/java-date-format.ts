/** A piece of a translated date pattern: strftime text, or a zone offset DuckDB's %z cannot print the Java way. */
export type DateFormatSegment = { kind: 'strftime'; text: string } | { kind: 'offset'; style: string };

/** Thrown when a Java pattern uses a letter with no DuckDB equivalent; the caller adds the position. */
export class DateFormatError extends Error {}

type LetterRule = (count: number, parse: boolean) => string | { offset: string };

const FRACTION: Record<number, string> = { 3: '%g', 6: '%f', 9: '%n' };

const LETTERS: Record<string, LetterRule> = {
  y: (n) => (n === 2 ? '%y' : '%Y'),
  u: (n) => (n === 2 ? '%y' : '%Y'),
  M: monthRule,
  L: monthRule,
  d: (n) => pad(n, '%-d', '%d'),
  D: (n) => pad(n, '%-j', '%j'),
  H: (n) => pad(n, '%-H', '%H'),
  h: (n) => pad(n, '%-I', '%I'),
  m: (n) => pad(n, '%-M', '%M'),
  s: (n) => pad(n, '%-S', '%S'),
  S: (n) => {
    const f = FRACTION[n];
    if (!f) throw new DateFormatError(`${'S'.repeat(n)} (fractions are supported as SSS, SSSSSS or SSSSSSSSS)`);
    return f;
  },
  a: () => '%p',
  E: (n) => (n >= 4 ? '%A' : '%a'),
  z: () => '%Z',
  Z: (n, parse) => (parse ? '%z' : { offset: n === 5 ? 'XXX' : 'Z' }),
  X: (n, parse) => (parse ? '%z' : { offset: 'X'.repeat(Math.min(n, 3)) }),
  x: (n, parse) => (parse ? '%z' : { offset: 'x'.repeat(Math.min(n, 3)) }),
};

function monthRule(n: number): string {
  if (n === 1) return '%-m';
  if (n === 2) return '%m';
  return n === 3 ? '%b' : '%B';
}

function pad(n: number, one: string, two: string): string {
  return n === 1 ? one : two;
}

/**
 * Translates a Java DateTimeFormatter / SimpleDateFormat pattern (as Spark uses) into DuckDB strftime/strptime
 * segments. `parse` selects the strptime flavour (offsets become %z).
 */
export function javaDateFormat(pattern: string, parse: boolean): DateFormatSegment[] {
  const out: DateFormatSegment[] = [];
  const push = (text: string): void => {
    const last = out[out.length - 1];
    if (last?.kind === 'strftime') last.text += text;
    else out.push({ kind: 'strftime', text });
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      const [literal, next] = quoted(pattern, i);
      push(literal.replace(/%/g, '%%'));
      i = next;
    } else if (/[A-Za-z]/.test(c)) {
      let n = 1;
      while (pattern[i + n] === c) n++;
      const rule = LETTERS[c];
      if (!rule) throw new DateFormatError(`the pattern letter '${c}' (in "${pattern}")`);
      const r = rule(n, parse);
      if (typeof r === 'string') push(r);
      else out.push({ kind: 'offset', style: r.offset });
      i += n;
    } else {
      push(c === '%' ? '%%' : c);
      i++;
    }
  }
  return out;
}

function quoted(pattern: string, start: number): [string, number] {
  if (pattern[start + 1] === "'") return ["'", start + 2];
  let text = '';
  let i = start + 1;
  while (i < pattern.length) {
    if (pattern[i] === "'" && pattern[i + 1] === "'") {
      text += "'";
      i += 2;
    } else if (pattern[i] === "'") return [text, i + 1];
    else text += pattern[i++];
  }
  return [text, i];
}

/** The strptime format for a Java pattern (offsets as %z). */
export function javaParseFormat(pattern: string): string {
  return javaDateFormat(pattern, true)
    .map((s) => (s.kind === 'strftime' ? s.text : '%z'))
    .join('');
}
