import { WeirError, type WeirErrorCode } from '../../domain/weir-error.js';
import type { Token } from './tokenizer.js';

/** One argument of a recognised function call. */
export interface CallArg {
  /** The argument translated to DuckDB SQL. */
  text: string;
  /** The decoded value when the argument is a single string literal. */
  literal?: string;
  /** The word when the argument is a single bare word (e.g. a DAY unit). */
  word?: string;
}

/** A Spark function call being translated. */
export interface SparkCall {
  /** Lower-case function name as written. */
  name: string;
  args: CallArg[];
  /** The name token (for positions). */
  tok: Token;
  /** Formats the call's position for messages. */
  where: string;
  /** True when an OVER (…) window clause follows the call. */
  windowed: boolean;
}

/** Translates one Spark call into DuckDB SQL text. */
export type FunctionRewrite = (call: SparkCall) => string;

/** A WeirError about a call, naming the function and its position. */
export function callError(call: SparkCall, code: WeirErrorCode, what: string, fix: string): WeirError {
  return new WeirError(code, `${call.name}() at ${call.where}: ${what}; ${fix}`, {
    params: { function: call.name, line: call.tok.line, column: call.tok.col },
  });
}

/** Checks the argument count of a call. */
export function arity(call: SparkCall, min: number, max = min): void {
  const n = call.args.length;
  if (n >= min && n <= max) return;
  const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  throw callError(call, 'SQL.SYNTAX', `takes ${want} argument(s) but got ${n}`, 'fix the argument list');
}

/** The argument as a string literal, or an error saying it must be one. */
export function literalArg(call: SparkCall, index: number, what: string): string {
  const a = call.args[index];
  if (a?.literal === undefined) {
    throw callError(call, 'SQL.UNSUPPORTED_SYNTAX', `the ${what} must be a string literal`, `write it as a quoted constant such as 'yyyy-MM-dd'`);
  }
  return a.literal;
}

/** Quotes text as a DuckDB string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Joins argument texts with commas. */
export function argList(call: SparkCall, from = 0): string {
  return call.args
    .slice(from)
    .map((a) => a.text)
    .join(', ');
}

/** A rewrite that renames the function and keeps the arguments. */
export function rename(target: string): FunctionRewrite {
  return (c) => `${target}(${argList(c)})`;
}

const UNITS: Record<string, string> = {
  MICROSECOND: 'microsecond',
  MILLISECOND: 'millisecond',
  SECOND: 'second',
  MINUTE: 'minute',
  HOUR: 'hour',
  DAY: 'day',
  DAYS: 'day',
  WEEK: 'week',
  MONTH: 'month',
  QUARTER: 'quarter',
  YEAR: 'year',
};

/** The DuckDB date part for a Spark unit given as a bare word or a string literal (DAY, 'month', …). */
export function unitArg(call: SparkCall, index: number): string {
  const a = call.args[index];
  const raw = (a?.word ?? a?.literal ?? '').toUpperCase().replace(/S$/, '');
  const unit = UNITS[raw] ?? UNITS[raw + 'S'];
  if (!unit) {
    throw callError(call, 'SQL.UNSUPPORTED_SYNTAX', `"${a?.text ?? ''}" is not a unit`, `use one of ${Object.keys(UNITS).filter((u) => u !== 'DAYS').join(', ')}`);
  }
  return unit;
}
