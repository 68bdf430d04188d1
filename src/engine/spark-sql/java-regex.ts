/**
 * Converts a Java regex to RE2 (DuckDB) syntax where they differ: possessive quantifiers (`*+`, `++`, `?+`,
 * `{n}+`) become greedy ones, since RE2 never backtracks they match the same strings in practice.
 */
export function javaRegex(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      out += c + (pattern[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
      continue;
    }
    out += c;
    const quantifier = c === '*' || c === '+' || c === '?' || c === '}';
    if (quantifier && pattern[i + 1] === '+') i++;
  }
  return out;
}

/** Converts a Java replacement string (`$1`, `${name}`, `\$`) to RE2's (`\1`, `\\`). */
export function javaReplacement(rep: string): string {
  let out = '';
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i];
    if (c === '\\') {
      const n = rep[i + 1] ?? '';
      out += n === '\\' ? '\\\\' : n;
      i++;
    } else if (c === '$' && /[0-9]/.test(rep[i + 1] ?? '')) {
      out += '\\' + rep[i + 1];
      i++;
    } else out += c;
  }
  return out;
}
