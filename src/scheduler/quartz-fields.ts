import { WeirError } from '../domain/weir-error.js';

/** The seven fields of a Quartz cron expression, in order. */
export type QuartzFieldName = 'seconds' | 'minutes' | 'hours' | 'day-of-month' | 'month' | 'day-of-week' | 'year';

/** The bounds and names of one field. */
export interface QuartzFieldSpec {
  readonly name: QuartzFieldName;
  readonly min: number;
  readonly max: number;
  /** Accepted names (index 0 = value `min`), or none. */
  readonly names?: readonly string[];
  /** How the allowed values are explained in errors. */
  readonly hint: string;
}

/** One comma-separated part of a field, kept as written so it can be described. */
export type QuartzFieldPart =
  | { kind: 'value'; value: number }
  /** `a-b` or `a-b/c`; `from > to` wraps around (Quartz: `FRI-MON`, `22-2`). */
  | { kind: 'range'; from: number; to: number; step: number }
  /** `*`, `*\/c`, `a/c` or `/c`: from `from` to the field's maximum. */
  | { kind: 'step'; from: number; step: number };

/** A parsed plain field: its parts and the sorted values they select. */
export interface QuartzField {
  readonly parts: readonly QuartzFieldPart[];
  readonly values: readonly number[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
/** Day-of-week names in Quartz order: 1=SUN … 7=SAT. */
export const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Bounds of each field (Quartz CronExpression; year as Databricks documents it). */
export const FIELD_SPECS: Record<QuartzFieldName, QuartzFieldSpec> = {
  seconds: { name: 'seconds', min: 0, max: 59, hint: '0-59' },
  minutes: { name: 'minutes', min: 0, max: 59, hint: '0-59' },
  hours: { name: 'hours', min: 0, max: 23, hint: '0-23' },
  'day-of-month': { name: 'day-of-month', min: 1, max: 31, hint: '1-31' },
  month: { name: 'month', min: 1, max: 12, names: MONTHS, hint: '1-12 or JAN-DEC' },
  'day-of-week': { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES, hint: '1-7 (1=SUN … 7=SAT) or SUN-SAT' },
  year: { name: 'year', min: 1970, max: 2099, hint: '1970-2099' },
};

/** The error for an invalid expression: what is wrong, in which field, and what is allowed. */
export function cronError(expression: string, field: QuartzFieldName | null, reason: string): WeirError {
  const where = field ? `${field}: ` : '';
  return new WeirError(
    'SCHEDULE.INVALID_CRON',
    `invalid Quartz cron expression "${expression}": ${where}${reason} (format: seconds minutes hours day-of-month month day-of-week [year], e.g. "0 0 6 ? * MON-FRI")`,
    { params: { expression, field, reason } },
  );
}

/** Reads one value (number or name) of a field; `fail` reports the reason. */
export function parseAtom(text: string, spec: QuartzFieldSpec, fail: (reason: string) => never): number {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    if (v < spec.min || v > spec.max) fail(`${v} is out of range ${spec.hint}`);
    return v;
  }
  if (/^[A-Z]+$/.test(text)) {
    const i = spec.names?.indexOf(text) ?? -1;
    if (i < 0) fail(spec.names ? `"${text}" is not a name; use ${spec.hint}` : `"${text}" is not a number; use ${spec.hint}`);
    return spec.min + i;
  }
  if (text === '') fail(`a value is missing; use ${spec.hint}`);
  return fail(`"${text}" is not a value; use ${spec.hint}`);
}

function parseStep(text: string, spec: QuartzFieldSpec, fail: (reason: string) => never): number {
  if (!/^\d+$/.test(text)) fail(`the step after '/' must be a whole number, got "${text}"`);
  const step = Number(text);
  const most = spec.name === 'year' ? spec.max - spec.min : spec.max;
  if (step < 1 || step > most) fail(`the step ${step} is out of range 1-${most}`);
  return step;
}

function parsePart(text: string, spec: QuartzFieldSpec, fail: (reason: string) => never): QuartzFieldPart {
  const slash = text.indexOf('/');
  const head = slash < 0 ? text : text.slice(0, slash);
  const step = slash < 0 ? undefined : parseStep(text.slice(slash + 1), spec, fail);
  if (head === '*' || head === '') {
    if (head === '' && step === undefined) fail('an empty list item');
    return { kind: 'step', from: spec.min, step: step ?? 1 };
  }
  const dash = head.indexOf('-');
  if (dash < 0) {
    const value = parseAtom(head, spec, fail);
    return step === undefined ? { kind: 'value', value } : { kind: 'step', from: value, step };
  }
  const from = parseAtom(head.slice(0, dash), spec, fail);
  const to = parseAtom(head.slice(dash + 1), spec, fail);
  if (from > to && spec.name === 'year') fail(`the range ${from}-${to} ends before it starts`);
  return { kind: 'range', from, to, step: step ?? 1 };
}

/** The values one part selects, in the field's bounds. */
export function partValues(part: QuartzFieldPart, spec: QuartzFieldSpec): number[] {
  if (part.kind === 'value') return [part.value];
  const out: number[] = [];
  if (part.kind === 'step') {
    for (let v = part.from; v <= spec.max; v += part.step) out.push(v);
    return out;
  }
  const size = spec.max - spec.min + 1;
  const end = part.to >= part.from ? part.to : part.to + size;
  for (let v = part.from; v <= end; v += part.step) out.push(((v - spec.min) % size) + spec.min);
  return out;
}

/** Parses a plain field (numbers, names, `*`, ranges, lists, steps) already upper-cased. */
export function parseField(text: string, spec: QuartzFieldSpec, expression: string): QuartzField {
  const fail = (reason: string): never => {
    throw cronError(expression, spec.name, reason);
  };
  // Month and day names contain L and W (JUL, WED): look for the special characters outside names only.
  const unnamed = spec.names ? text.replace(new RegExp(spec.names.join('|'), 'g'), '') : text;
  for (const special of ['?', 'L', 'W', '#']) {
    if (unnamed.includes(special)) fail(`'${special}' is only allowed in day-of-month and day-of-week${special === '#' ? ' (day-of-week only)' : ''}, got "${text}"`);
  }
  const bad = /[^0-9A-Z*,\-/]/.exec(text);
  if (bad) fail(`unexpected character '${bad[0]}' in "${text}"`);
  const parts = text.split(',').map((p) => parsePart(p, spec, fail));
  const values = [...new Set(parts.flatMap((p) => partValues(p, spec)))].sort((a, b) => a - b);
  return { parts, values };
}

/** The smallest value in sorted `values` that is >= `v`, or undefined. */
export function nextValue(values: readonly number[], v: number): number | undefined {
  for (const x of values) if (x >= v) return x;
  return undefined;
}
