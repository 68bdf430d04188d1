import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startWeir } from '../src/main.js';

it("pipeline tables and event_log('<pipeline>') are queryable in SQL by name", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-pipe-sql-'));
  const weir = await startWeir(loadConfig({ dataDir: join(dir, 'data'), port: 0 }));
  try {
    mkdirSync(join(dir, 'p'));
    writeFileSync(join(dir, 'p', 'gold.sql'), "CREATE OR REFRESH MATERIALIZED VIEW scores (CONSTRAINT high EXPECT (score > 1)) AS SELECT * FROM (VALUES ('a', 1), ('b', 2), ('c', 3)) t(name, score);\n");
    const p = await weir.pipelines.create({ name: 'scores_pipeline', schema: 'games', libraries: [{ file: { path: 'p/gold.sql' } }] }, { sourceDir: dir });
    const u = await weir.pipelines.waitForUpdate((await weir.pipelines.startUpdate(p.pipeline_id, {})).update_id);
    expect(u.state).toBe('COMPLETED');
    const table = await weir.sql.execute('SELECT name FROM main.games.scores WHERE score >= 2 ORDER BY name');
    expect(table.rows).toEqual([['b'], ['c']]);
    const dq = await weir.sql.execute(`
      SELECT get_json_object(details, '$.flow_progress.data_quality.expectations[0].failed_records') AS failed
      FROM event_log('scores_pipeline')
      WHERE event_type = 'flow_progress' AND get_json_object(details, '$.flow_progress.status') = 'COMPLETED'`);
    expect(dq.rows).toEqual([['1']]);
    const byId = await weir.sql.execute(`SELECT count(*) FROM event_log('${p.pipeline_id}') WHERE level = 'INFO'`);
    expect(Number(byId.rows[0][0])).toBeGreaterThan(5);
    await expect(weir.sql.execute("SELECT * FROM event_log('nope')")).rejects.toThrow(/event_log\('nope'\): no pipeline has that id or name/);
  } finally {
    await weir.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
