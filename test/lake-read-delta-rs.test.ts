/**
 * The delta-rs fixture tables (Spark, Databricks, DLT and delta-rs writers): each loads (checkpoints, stale or
 * missing `_last_checkpoint`, DVs, column mapping, odd partition values) and scans to the row count the testdata
 * README gives. Read in place from ../shared; skipped when absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import { readTable } from '../src/lake/scan/read-table.js';
import { parseStats } from '../src/lake/stats.js';

const repoRoot = resolve(import.meta.dirname, '..');
const base = resolve(repoRoot, '../shared/testdata/delta/delta-rs');
const present = existsSync(base);
if (!present) console.warn(`lake-read-delta-rs: ${base} not found; delta-rs fixture cases skipped`);

/** Latest version and row count per table, from testdata/delta/README.md. */
const EXPECTED: Record<string, { version: number; rows: number }> = {
  simple_table: { version: 4, rows: 3 },
  'delta-0.2.0': { version: 3, rows: 6 },
  'delta-0.8.0': { version: 1, rows: 4 },
  'delta-0.8-empty': { version: 1, rows: 0 },
  'delta-0.8.0-date': { version: 0, rows: 5 },
  'table-without-dv-small': { version: 0, rows: 10 },
  table_with_edge_timestamps: { version: 0, rows: 2 },
  table_with_null_stats_in_notnull_struct: { version: 1, rows: 2 },
  'delta-0.8.0-partitioned': { version: 0, rows: 7 },
  'delta-0.8.0-null-partition': { version: 0, rows: 2 },
  'delta-0.8.0-special-partition': { version: 0, rows: 2 },
  'delta-0.8.0-numeric-partition': { version: 0, rows: 2 },
  'delta-2.2.0-partitioned-types': { version: 0, rows: 3 },
  'partition-type-primitives': { version: 0, rows: 16 },
  simple_table_with_checkpoint: { version: 10, rows: 11 },
  table_failed_last_checkpoint_update: { version: 3, rows: 20 },
  'python-0.25.5-checkpoint': { version: 1, rows: 6 },
  'delta-stats-optional': { version: 2, rows: 2 },
  'delta-checkpoint-stats-optional': { version: 2, rows: 2 },
  'delta-1.2.1-only-struct-stats': { version: 12, rows: 12 },
  'delta-live-table': { version: 1, rows: 0 },
  table_with_column_mapping: { version: 0, rows: 5 },
  table_with_partitioning_mapping: { version: 4, rows: 2 },
  'table-with-dv-small': { version: 1, rows: 8 },
  table_with_liquid_clustering: { version: 0, rows: 10 },
  'cdf-table': { version: 3, rows: 9 },
  simple_table_with_cdc: { version: 2, rows: 1 },
  cdc_ict_table: { version: 3, rows: 2 },
};

let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
});

const table = (name: string): string => join(base, name);

describe.skipIf(!present)('delta-rs fixture tables', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: version ${want.version}, ${want.rows} rows`, async () => {
      const snapshot = await loadSnapshot(table(name));
      expect(snapshot.version).toBe(want.version);
      const { rows } = await readTable(conn, snapshot);
      expect(rows).toHaveLength(want.rows);
    });
  }

  it('log-only tables reconstruct their snapshot from the checkpoint, with or without _last_checkpoint', async () => {
    for (const name of ['latest_not_checkpointed', 'with_checkpoint_no_last_checkpoint']) {
      const s = await loadSnapshot(table(name));
      expect([s.version, s.checkpointVersion, s.files.length]).toEqual([3, 2, 1]);
      expect(parseStats(s.files[0].stats)?.numRecords).toBe(5);
    }
    const dm = await loadSnapshot(table('table-with-domain-metadata'));
    expect([dm.version, dm.checkpointVersion, dm.files.length]).toEqual([108, 108, 109]);
    expect([...dm.domainMetadata.keys()].sort()).toEqual(['com.databricks.liquid', 'delta.clustering', 'delta.rowTracking']);
    expect(JSON.parse(dm.domainMetadata.get('delta.clustering')?.configuration ?? '{}').clusteringColumns).toEqual([['department']]);
    expect(dm.files.reduce((n, f) => n + (parseStats(f.stats)?.numRecords ?? 0), 0)).toBe(436);
  });

  it('a stale _last_checkpoint (pointing at v1) does not hide the checkpoint at v3', async () => {
    const s = await loadSnapshot(table('table_failed_last_checkpoint_update'));
    expect(s.checkpointVersion).toBe(3);
    const older = await loadSnapshot(table('table_failed_last_checkpoint_update'), { version: 2 });
    expect([older.version, older.checkpointVersion]).toEqual([2, 1]);
  });

  it('struct-only checkpoint stats (stats_parsed) become readable stats', async () => {
    const s = await loadSnapshot(table('delta-1.2.1-only-struct-stats'));
    const fromCheckpoint = s.files.filter((f) => parseStats(f.stats) !== undefined);
    expect(fromCheckpoint.length).toBeGreaterThanOrEqual(10);
    expect(s.files.reduce((n, f) => n + (parseStats(f.stats)?.numRecords ?? 0), 0)).toBe(12);
  });

  it('partition values: URI paths decoded once, nulls, typed numbers', async () => {
    const special = await readTable(conn, await loadSnapshot(table('delta-0.8.0-special-partition')), { columns: ['x'] });
    expect(special.rows.map((r) => r.x).sort()).toEqual(['A/A', 'B B']);
    const nulls = await readTable(conn, await loadSnapshot(table('delta-0.8.0-null-partition')), { columns: ['k'] });
    expect(nulls.rows.map((r) => r.k).sort()).toEqual(['A', null]);
    const typed = await readTable(conn, await loadSnapshot(table('delta-0.8.0-numeric-partition')), { columns: ['x', 'y'] });
    expect(typed.rows.map((r) => [r.x, r.y]).sort()).toEqual([['10', 10], ['9', 9.9]]);
  });

  it('column mapping (name mode): logical names over physical columns and partition keys', async () => {
    const s = await loadSnapshot(table('table_with_column_mapping'));
    const { rows } = await readTable(conn, s);
    expect(Object.keys(rows[0]).sort()).toEqual(['Company Very Short', 'Super Name']);
    expect(rows.filter((r) => r['Company Very Short'] === 'BME').map((r) => r['Super Name'])).toEqual(['Timothy Lamb']);
    const renamed = await readTable(conn, await loadSnapshot(table('table_with_partitioning_mapping')));
    expect(Object.keys(renamed.rows[0])).toContain('newid');
    expect(renamed.rows.every((r) => r.newid !== null)).toBe(true);
  });

  it('deletion vectors: rows 0 and 9 of the 10-row file are gone', async () => {
    const withDv = await readTable(conn, await loadSnapshot(table('table-with-dv-small')));
    const without = await readTable(conn, await loadSnapshot(table('table-without-dv-small')));
    expect(without.rows).toHaveLength(10);
    // The twin tables store `value` as int and long; compare numerically.
    expect(withDv.rows.map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(without.rows.map((r) => Number(r.value)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const v0 = await readTable(conn, await loadSnapshot(table('table-with-dv-small'), { version: 0 }));
    expect(v0.rows).toHaveLength(10);
  });

  it('txns and domain metadata replay; timestamps at the edge of the range survive', async () => {
    const s = await loadSnapshot(table('delta-0.2.0'));
    expect([...s.txns]).toEqual([['e4a20b59-dd0e-4c50-b074-e8ae4786df30', 0]]);
    const liquid = await loadSnapshot(table('table_with_liquid_clustering'));
    expect([...liquid.domainMetadata.keys()].sort()).toEqual(['delta.liquid', 'delta.rowTracking']);
    const edge = await readTable(conn, await loadSnapshot(table('table_with_edge_timestamps')));
    expect(edge.rows.map((r) => String(Object.values(r).find((v) => String(v).startsWith('9999')))).sort()).toEqual([
      expect.stringMatching(/^9999-12-30/),
      expect.stringMatching(/^9999-12-31/),
    ]);
  });

  it('in-commit timestamps: version timestamps and time travel by timestamp', async () => {
    const path = table('cdc_ict_table');
    expect((await loadSnapshot(path)).timestamp).toBe(1783874213881);
    expect((await loadSnapshot(path, { timestamp: 1783874212175 })).version).toBe(2);
    expect((await loadSnapshot(path, { timestamp: 1783874212174 })).version).toBe(1);
    expect((await loadSnapshot(path, { timestamp: 1783874203271 })).version).toBe(0);
    await expect(loadSnapshot(path, { timestamp: 1783874203270 })).rejects.toMatchObject({ code: 'DELTA.VERSION_NOT_FOUND' });
  });
});
