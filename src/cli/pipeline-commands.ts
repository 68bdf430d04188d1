import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { formatOrigin } from '../domain/pipeline-definition.js';
import { startWeir } from '../main.js';
import { buildPipelineGraph } from '../pipelines/graph/pipeline-graph.js';
import type { PipelineService } from '../pipelines/pipeline-service.js';
import { libraryFiles, loadPipelineSources } from '../pipelines/sources/load-pipeline-sources.js';
import type { PipelineEventRecord } from '../store/ports/pipeline-store.js';
import { printJson, withServer } from './api-client.js';
import { deployLocalPipeline } from './pipeline-local.js';

/** `weir pipelines …`: run and validate pipelines locally, or list/start/read events on a server. */
export function registerPipelineCommands(program: Command): void {
  const cmd = program.command('pipelines').description('declarative pipelines: run or validate locally, or use a server');
  const client = withServer(cmd);

  cmd
    .command('run <target>')
    .description('run an update of a pipeline (a *.pipeline.yml, a .sql/.ts file or a folder) on the embedded engine, printing flow progress; exit 0 only when it completes')
    .option('--data-dir <dir>', 'data folder (default .weir); tables land in <data-dir>/warehouse')
    .option('--full-refresh', 'reset streaming state and recompute every table')
    .option('--refresh <tables>', 'refresh only these tables (comma-separated)')
    .option('--full-refresh-tables <tables>', 'fully refresh only these tables (comma-separated)')
    .action(async (target, o) => {
      process.exitCode = await runLocal(target, o, false);
    });
  cmd
    .command('validate <target>')
    .description('parse the pipeline and check its graph without writing anything; exit 0 when valid')
    .option('--data-dir <dir>', 'data folder (default .weir)')
    .action(async (target, o) => {
      process.exitCode = await runLocal(target, o, true);
    });
  cmd
    .command('graph <target>')
    .description('print the datasets and flows of a pipeline (settings file, SQL/TS file or folder) in dependency order')
    .option('--format <format>', 'text, dot or json', 'text')
    .option('--data-dir <dir>', 'data folder (default .weir)')
    .action(async (target, o) => {
      process.exitCode = await printGraph(target, o);
    });
  cmd.command('list').description('pipelines on the server').action(async () => {
    const r = await client().call<{ statuses?: { pipeline_id: string; name: string; state: string; latest_updates?: { state: string }[] }[] }>('GET', '/api/2.0/pipelines', { max_results: 100 });
    for (const p of r.statuses ?? []) process.stdout.write(`${p.pipeline_id}\t${p.name}\t${p.state}\t${p.latest_updates?.[0]?.state ?? '-'}\n`);
  });
  cmd
    .command('start <pipeline_id>')
    .description('start an update on the server')
    .option('--full-refresh', 'reset streaming state and recompute every table')
    .action(async (id, o) => printJson(await client().call('POST', `/api/2.0/pipelines/${id}/updates`, { full_refresh: o.fullRefresh ?? false })));
  cmd
    .command('events <pipeline_id>')
    .description("the pipeline's event log on the server, oldest first")
    .option('--filter <filter>', "e.g. level in ('WARN','ERROR') AND event_type = 'flow_progress'")
    .option('--max <n>', 'events to print', '100')
    .action(async (id, o) => {
      const r = await client().call<{ events: { timestamp: string; level: string; event_type: string; message: string }[] }>('GET', `/api/2.0/pipelines/${id}/events`, { filter: o.filter, max_results: o.max, order_by: 'timestamp asc' });
      for (const e of r.events) process.stdout.write(`${e.timestamp} ${e.level.padEnd(5)} ${e.event_type.padEnd(16)} ${e.message}\n`);
    });
}

async function runLocal(target: string, o: { dataDir?: string; fullRefresh?: boolean; refresh?: string; fullRefreshTables?: string }, validate: boolean): Promise<number> {
  const weir = await startWeir(loadConfig({ dataDir: o.dataDir }));
  try {
    const { id, name } = await deployLocalPipeline(weir.pipelines, target);
    const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
    const started = await weir.pipelines.startUpdate(id, { validate_only: validate, full_refresh: o.fullRefresh ?? false, refresh_selection: list(o.refresh), full_refresh_selection: list(o.fullRefreshTables) });
    process.stdout.write(`pipeline "${name}" (${id}), update ${started.update_id}${validate ? ' (validate only)' : ''}\n`);
    const done = await followUpdate(weir.pipelines, id, started.update_id);
    process.stdout.write(`update ${done.state}\n`);
    return done.state === 'COMPLETED' ? 0 : 1;
  } finally {
    await weir.close();
  }
}

/** Prints flow progress and errors as they are logged, until the update ends. */
async function followUpdate(pipelines: PipelineService, pipelineId: string, updateId: string) {
  let seen = 0;
  const show = (e: PipelineEventRecord) => {
    const fp = e.details.flow_progress as { status: string; metrics?: { num_output_rows: number }; data_quality?: { dropped_records: number } } | undefined;
    if (e.level === 'ERROR') process.stdout.write(`  ✗ ${e.message}\n`);
    else if (fp && fp.status !== 'RUNNING') {
      const rows = fp.metrics ? `, ${fp.metrics.num_output_rows} row(s)` : '';
      const dropped = fp.data_quality?.dropped_records ? `, ${fp.data_quality.dropped_records} dropped by expectations` : '';
      process.stdout.write(`  ${fp.status === 'COMPLETED' ? '✓' : '·'} ${String(e.origin.flow_name)} ${fp.status}${rows}${dropped}\n`);
    }
  };
  const wait = pipelines.waitForUpdate(updateId);
  let finished = false;
  void wait.then(() => (finished = true), () => (finished = true));
  for (;;) {
    const { events } = await pipelines.store.listEvents(pipelineId, { updateId, ascending: true, offset: seen, limit: 1000 });
    events.forEach(show);
    seen += events.length;
    if (finished && events.length === 0) return wait;
    await Promise.race([wait, new Promise((r) => setTimeout(r, 100))]).catch(() => undefined);
  }
}

async function printGraph(target: string, o: { format: string; dataDir?: string }): Promise<number> {
  const weir = await startWeir(loadConfig({ dataDir: o.dataDir }));
  try {
    const { id } = await deployLocalPipeline(weir.pipelines, target);
    const p = await weir.pipelines.require(id);
    const sources = await loadPipelineSources(libraryFiles(p.spec.libraries ?? [], p.source_dir), { ...(p.spec.configuration ?? {}) });
    const g = buildPipelineGraph(sources.flatMap((s) => s.definitions), { catalog: p.spec.catalog, schema: p.spec.schema ?? p.spec.target });
    for (const e of g.errors) process.stderr.write(`${e.message}\n`);
    if (o.format === 'json') printJson({ datasets: g.datasets.map((d) => ({ id: d.id, kind: d.definition.kind, origin: formatOrigin(d.definition.origin) })), edges: g.edges, order: g.order });
    else if (o.format === 'dot') {
      process.stdout.write('digraph pipeline {\n  rankdir=LR;\n');
      for (const d of g.datasets) process.stdout.write(`  "${d.id}" [shape=${d.definition.kind === 'materialized_view' ? 'box' : d.definition.kind === 'view' ? 'ellipse' : 'cylinder'}];\n`);
      for (const e of g.edges) process.stdout.write(`  "${e.from}" -> "${e.to}"${e.kind === 'streaming' ? ' [style=bold label="stream"]' : ''};\n`);
      process.stdout.write('}\n');
    } else {
      for (const d of g.datasetOrder) {
        const ds = g.datasets.find((x) => x.id === d);
        const inputs = g.edges.filter((e) => e.to === d).map((e) => `${e.from}${e.kind === 'streaming' ? ' (stream)' : ''}`);
        process.stdout.write(`${d}  [${ds?.definition.kind ?? 'sink'}]${inputs.length ? `  ← ${inputs.join(', ')}` : ''}\n`);
      }
    }
    return g.errors.length ? 1 : 0;
  } finally {
    await weir.close();
  }
}
