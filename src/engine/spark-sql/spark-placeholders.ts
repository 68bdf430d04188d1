import { WeirError } from '../../domain/weir-error.js';
import { formatPosition, tokenize, type SqlOrigin, type Token } from './tokenizer.js';

const PLACEHOLDER = /\$\{([^}]*)\}/g;

function lookup(key: string, config: Record<string, string>, at: Token, origin?: SqlOrigin): string {
  const trimmed = key.trim();
  const v = config[trimmed] ?? config[trimmed.replace(/^(?:hivevar|hiveconf|spark|var):/, '')];
  if (v !== undefined) return v;
  const known = Object.keys(config).sort();
  throw new WeirError(
    'SQL.UNKNOWN_VARIABLE',
    `\${${trimmed}} at ${formatPosition(at, origin)} is not defined; add "${trimmed}" to the configuration (pipeline configuration or job parameters) or SET ${trimmed} = … before this statement` +
      (known.length ? `; defined keys: ${known.join(', ')}` : '; no keys are defined'),
    { params: { key: trimmed, line: at.line, column: at.col } },
  );
}

/**
 * Substitutes `${key}` from the configuration, as Spark does before parsing: in code (the value is tokenized in
 * place and keeps the placeholder's position), inside string literals and inside backtick identifiers.
 */
export function expandPlaceholders(tokens: Token[], config: Record<string, string>, origin?: SqlOrigin): Token[] {
  const out: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'placeholder') {
      const value = lookup(t.value, config, t, origin);
      for (const v of tokenize(value)) out.push({ ...v, offset: t.offset, line: t.line, col: t.col });
    } else if ((t.kind === 'string' || t.kind === 'qident') && t.value.includes('${')) {
      out.push({ ...t, value: t.value.replace(PLACEHOLDER, (_m, key: string) => lookup(key, config, t, origin)) });
    } else out.push(t);
  }
  return out;
}
