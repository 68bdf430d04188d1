import { invalidParameter } from './errors.js';

type Json = Record<string, unknown>;

/** Arrays jobs/update merges by key instead of replacing. */
const KEYED_ARRAYS: Record<string, string> = { tasks: 'task_key', job_clusters: 'job_cluster_key', environments: 'environment_key' };

/**
 * jobs/update semantics: top-level fields of `patch` replace those of `current`, except `tasks`, `job_clusters`
 * (and `environments`), which are merged by key (matching entries replaced, new ones appended, others kept).
 * `fieldsToRemove` then deletes top-level fields or `tasks/KEY`, `job_clusters/KEY`, `environments/KEY`.
 * The result is not validated here; the caller parses it.
 */
export function mergeJobSettings(current: Json, patch: Json, fieldsToRemove: string[]): Json {
  const out: Json = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    const key = KEYED_ARRAYS[field];
    if (key && Array.isArray(value) && Array.isArray(out[field])) {
      out[field] = mergeByKey(out[field] as Json[], value as Json[], key);
    } else {
      out[field] = value;
    }
  }
  for (const path of fieldsToRemove) removeField(out, path);
  return out;
}

function mergeByKey(current: Json[], patch: Json[], key: string): Json[] {
  const merged = [...current];
  for (const item of patch) {
    const i = merged.findIndex((m) => m[key] !== undefined && m[key] === item?.[key]);
    if (i >= 0) merged[i] = item;
    else merged.push(item);
  }
  return merged;
}

function removeField(settings: Json, path: string): void {
  const slash = path.indexOf('/');
  if (slash < 0) {
    delete settings[path];
    return;
  }
  const field = path.slice(0, slash);
  const id = path.slice(slash + 1);
  const key = KEYED_ARRAYS[field];
  if (!key) {
    throw invalidParameter(`fields_to_remove: "${path}" is not removable; use a top-level field name or tasks/<task_key>, job_clusters/<job_cluster_key>`);
  }
  const list = settings[field];
  if (!Array.isArray(list) || !list.some((e: Json) => e?.[key] === id)) {
    throw invalidParameter(`fields_to_remove: "${path}": the job has no ${field} entry with ${key} "${id}"`);
  }
  settings[field] = list.filter((e: Json) => e?.[key] !== id);
}
