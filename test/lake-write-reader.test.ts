/** Tables written by the writer, read back by the reader's loadSnapshot. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import type { Snapshot } from '../src/lake/snapshot.js';

const lake = useLakeFixture('weir-lake-reader-');
const clock = lake.clock;

function byPath(s: Snapshot): Record<string, unknown> {
  return Object.fromEntries(s.files.map((f) => [f.path, { partitionValues: f.partitionValues, size: f.size, stats: f.stats }]));
}

describe('the reader reads what the writer wrote', () => {
  it('every version of a partitioned, evolving table, starting from the checkpoint at version 10', async () => {
    const t = DeltaTable.forPath(lake.conn, join(lake.root, 'table'), { clock });
    await t.create(`SELECT 0 AS id, 'a b' AS p, TIMESTAMP '2024-01-01 00:00:00' AS ts`, { partitionBy: ['p'] });
    for (let v = 1; v <= 11; v++) {
      clock.advance(1000);
      if (v === 4) await t.overwrite(`SELECT 40 AS id, 'x/y' AS p, TIMESTAMP '2024-01-04 00:00:00' AS ts`, { replaceWhere: `p IN ('a b', 'x/y')` });
      else if (v === 6) await t.append(`SELECT 60 AS id, NULL::VARCHAR AS p, NULL::TIMESTAMP AS ts, 'new' AS extra`, { mergeSchema: true });
      else await t.append(`SELECT ${v} AS id, 'é${v % 2}' AS p, TIMESTAMP '2024-01-01 00:00:00' AS ts`, { txn: { appId: 'app', version: v } });
    }
    for (let v = 0; v <= 11; v++) {
      const mine = await t.snapshot({ version: v });
      const theirs = await loadSnapshot(t.tablePath, { version: v });
      expect(theirs.version).toBe(v);
      expect(theirs.protocol).toEqual(mine.protocol);
      expect(theirs.metadata.schemaString).toBe(mine.metadata.schemaString);
      expect(theirs.metadata.partitionColumns).toEqual(mine.metadata.partitionColumns);
      expect(byPath(theirs)).toEqual(byPath(mine));
      expect([...theirs.txns]).toEqual([...mine.txns]);
    }
    // The reader must start from the checkpoint: without commits 0-9 it still reconstructs versions 10 and 11.
    for (let v = 0; v < 10; v++) rmSync(join(t.tablePath, '_delta_log', `${String(v).padStart(20, '0')}.json`));
    const latest = await loadSnapshot(t.tablePath);
    expect(latest.version).toBe(11);
    expect(latest.checkpointVersion).toBe(10);
    expect(byPath(latest)).toEqual(byPath(await t.snapshot()));
  });
});
