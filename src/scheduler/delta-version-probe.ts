import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The newest committed version of a Delta table and when it was committed. */
export interface TableVersion {
  version: number;
  timestamp: number;
}

/** Tells the scheduler the latest version of a table by name (catalog.schema.table). */
export interface TableVersionProbe {
  latest(tableName: string): Promise<TableVersion | undefined>;
}

const COMMIT = /^(\d{20})\.json$/;

/**
 * The latest version of the Delta table at `tablePath`, from the names in `_delta_log` (no log replay: the
 * scheduler only needs to know that a new version exists), or undefined when it is not a Delta table (yet).
 */
export async function latestDeltaVersion(tablePath: string): Promise<TableVersion | undefined> {
  const log = join(tablePath, '_delta_log');
  const names = await readdir(log).catch(() => [] as string[]);
  let best = -1;
  for (const n of names) {
    const m = COMMIT.exec(n);
    if (m) best = Math.max(best, Number(m[1]));
  }
  if (best < 0) return undefined;
  const st = await stat(join(log, `${String(best).padStart(20, '0')}.json`));
  return { version: best, timestamp: Math.floor(st.mtimeMs) };
}

/** A probe for tables whose location follows from their name (e.g. managed tables under the warehouse folder). */
export function pathTableProbe(locate: (tableName: string) => Promise<string | undefined>): TableVersionProbe {
  return {
    async latest(name) {
      const path = await locate(name);
      return path ? latestDeltaVersion(path) : undefined;
    },
  };
}
