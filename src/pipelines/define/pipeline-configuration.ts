import { WeirError } from '../../domain/weir-error.js';
import { callerOrigin } from './caller-origin.js';

/**
 * The configuration bound while weir imports a TypeScript pipeline module. It lives on globalThis, not in a module
 * variable: each import of a pipeline module loads its own copy of the define API, and all copies must see it.
 */
const SLOT = Symbol.for('weir.pipelines.configuration');
type Slot = { [SLOT]?: Readonly<Record<string, string>> };

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` (the import of pipeline modules) with `configuration` bound for `conf()`. Loads are serialized so two
 * updates importing modules at once never see each other's configuration.
 */
export function withPipelineConfiguration<T>(configuration: Record<string, string>, load: () => Promise<T>): Promise<T> {
  const run = async () => {
    (globalThis as Slot)[SLOT] = Object.freeze({ ...configuration });
    try {
      return await load();
    } finally {
      delete (globalThis as Slot)[SLOT];
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

/**
 * A value of the pipeline's `configuration` (merged with the update's parameters), like Python's
 * `spark.conf.get(key[, default])`; `fallback` when the key is absent. Without a fallback, a missing key is
 * PIPELINE.INVALID_DEFINITION naming the key and the calling file:line.
 */
export function conf(key: string, fallback?: string): string {
  const configuration = (globalThis as Slot)[SLOT] ?? {};
  if (Object.prototype.hasOwnProperty.call(configuration, key)) return configuration[key];
  if (fallback !== undefined) return fallback;
  const o = callerOrigin();
  const known = Object.keys(configuration).filter((k) => !k.startsWith('pipelines.'));
  throw new WeirError(
    'PIPELINE.INVALID_DEFINITION',
    `${o.file}:${o.line}:${o.column}: the pipeline configuration has no key "${key}"${known.length ? ` (it has: ${known.join(', ')})` : ''}; add "${key}" to the pipeline's configuration or give conf() a default: conf('${key}', '…')`,
    { params: { key, origin: o } },
  );
}

/** Python's `spark.conf.get` spelling of `conf`, for ported pipeline code. */
export const spark = { conf: { get: conf } } as const;
