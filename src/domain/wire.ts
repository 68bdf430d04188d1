import { z } from 'zod';

/**
 * An integer that also arrives as a string: Airflow turns every number in operator JSON into a string,
 * and Databricks accepts both (protobuf-JSON style).
 */
export const IntLike = z.union([
  z.number().int(),
  z.string().regex(/^-?\d+$/, 'expected an integer').transform((s) => Number(s)),
]);

/** A boolean that also arrives as "true"/"false" (any case). */
export const BoolLike = z.union([
  z.boolean(),
  z
    .string()
    .regex(/^(true|false)$/i, 'expected true or false')
    .transform((s) => s.toLowerCase() === 'true'),
]);

/** String values of parameter maps; numbers and booleans are stringified, as Databricks does. */
export const ParamValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

/** A map of string parameters. */
export const ParamMap = z.record(z.string(), ParamValue);

/** Formats zod issues as "path: message" lines, the path in Databricks' dotted/indexed form. */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = i.path
        .map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`))
        .join('');
      const where = prefix ? (path ? `${prefix}.${path}`.replace('.[', '[') : prefix) : path;
      return `${where || '(root)'}: ${i.message}`;
    })
    .join('; ');
}
