import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { DeltaTable } from '../../src/lake/delta-table.js';

/** An in-memory DuckDB, a temp folder for tables and a manual clock, for the tests of one lake test file. */
export interface LakeFixture {
  readonly conn: DuckDBConnection;
  readonly root: string;
  readonly clock: ManualClock;
  /** A handle on a fresh table path (t1, t2, …) under the folder. */
  table(): DeltaTable;
}

/** Sets up a LakeFixture before the calling file's tests and removes it after them. */
export function useLakeFixture(prefix: string): LakeFixture {
  let instance: DuckDBInstance | undefined;
  let conn: DuckDBConnection | undefined;
  let root = '';
  let n = 0;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
    root = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    conn?.closeSync();
    instance?.closeSync();
    rmSync(root, { recursive: true, force: true });
  });
  return {
    get conn() {
      return conn as DuckDBConnection;
    },
    get root() {
      return root;
    },
    clock,
    table: () => DeltaTable.forPath(conn as DuckDBConnection, join(root, `t${++n}`), { clock }),
  };
}
