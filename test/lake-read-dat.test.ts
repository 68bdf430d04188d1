/**
 * Delta Acceptance Testing (DAT, delta-incubator/dat 2022 cases written by Spark 3.3.1 / Delta 2.1.1): every
 * expected version of every case must equal, in full content (order-insensitive) and protocol/version metadata,
 * what the reader returns. The data is read in place from ../shared; the suite is skipped when it is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import { scanSql } from '../src/lake/scan/scan-sql.js';
import { sqlIdent, sqlString } from '../src/lake/schema/duckdb-type.js';

const repoRoot = resolve(import.meta.dirname, '..');
const datRoot = resolve(repoRoot, '../shared/testdata/delta/dat/reader_tests/generated');
const present = existsSync(datRoot);
if (!present) console.warn(`lake-read-dat: ${datRoot} not found; DAT cases skipped`);

interface Expected { caseName: string; label: string; dir: string; version: number; minReader: number; minWriter: number; properties: Record<string, string> }

function expectedVersions(): Expected[] {
  if (!present) return [];
  const out: Expected[] = [];
  for (const caseName of readdirSync(datRoot).sort()) {
    const expectedDir = join(datRoot, caseName, 'expected');
    for (const label of readdirSync(expectedDir).sort()) {
      const dir = join(expectedDir, label);
      const meta = JSON.parse(readFileSync(join(dir, 'table_version_metadata.json'), 'utf8')) as Record<string, unknown>;
      out.push({ caseName, label, dir, version: Number(meta.version), minReader: Number(meta.min_reader_version), minWriter: Number(meta.min_writer_version), properties: meta.properties as Record<string, string> });
    }
  }
  return out;
}

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

async function count(sql: string): Promise<number> {
  const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM (${sql})`);
  return Number(r.getRows()[0][0]);
}

describe.skipIf(!present)('DAT reader cases', () => {
  const cases = expectedVersions();
  it('finds all 12 expected versions of the 4 cases', () => {
    expect(cases.map((c) => `${c.caseName}/${c.label}`)).toHaveLength(12);
  });

  for (const c of cases) {
    it(`${c.caseName} ${c.label} equals table_content.parquet`, async () => {
      const tablePath = join(datRoot, c.caseName, 'delta');
      const snapshot = await loadSnapshot(tablePath, c.label === 'latest' ? {} : { version: Number(c.label.slice(1)) });
      expect(snapshot.version).toBe(c.version);
      expect(snapshot.protocol.minReaderVersion).toBe(c.minReader);
      expect(snapshot.protocol.minWriterVersion).toBe(c.minWriter);
      expect(snapshot.metadata.configuration).toEqual(c.properties);

      const expectedFile = `read_parquet(${sqlString(join(c.dir, 'table_content.parquet'))})`;
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${expectedFile}`);
      const columns = described.getRowObjectsJson().map((r) => String(r.column_name));
      const plan = await scanSql(conn, snapshot);
      const actualDescribed = await conn.runAndReadAll(`DESCRIBE ${plan.sql}`);
      expect(actualDescribed.getRowObjectsJson().map((r) => String(r.column_name)).sort()).toEqual([...columns].sort());

      const list = columns.map(sqlIdent).join(', ');
      const expected = `SELECT ${list} FROM ${expectedFile}`;
      const actual = `SELECT ${list} FROM (${plan.sql})`;
      const expectedRows = await count(expected);
      expect(await count(actual)).toBe(expectedRows);
      expect(await count(`${expected} EXCEPT ALL ${actual}`)).toBe(0);
      expect(await count(`${actual} EXCEPT ALL ${expected}`)).toBe(0);
      expect(expectedRows).toBeGreaterThan(0);
    });
  }
});
