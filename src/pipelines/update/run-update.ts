import type { Clock } from '../../domain/clock.js';
import { formatOrigin, type PipelineSource } from '../../domain/pipeline-definition.js';
import type { UpdateState } from '../../domain/pipeline-settings.js';
import { WeirError } from '../../domain/weir-error.js';
import type { PipelineRecord, PipelineStore, UpdateRecord } from '../../store/ports/pipeline-store.js';
import { buildPipelineGraph, type PipelineGraph } from '../graph/pipeline-graph.js';
import { libraryFiles, loadPipelineSources } from '../sources/load-pipeline-sources.js';
import type { FlowRunner } from './flow-runner.js';
import { UpdateEvents } from './update-events.js';

/** What running an update needs. */
export interface UpdateDeps {
  store: PipelineStore;
  clock: Clock;
  flows: FlowRunner;
}

/**
 * Runs one update through its states — INITIALIZING (read the libraries, build and validate the graph),
 * SETTING_UP_TABLES, RUNNING (the flow runner), then COMPLETED, FAILED or CANCELED — writing update_progress,
 * flow_definition and dataset_definition events on the way. A validate_only update binds every query and writes nothing.
 * Never throws: every failure ends the update as FAILED with an ERROR event that says where.
 */
export async function runUpdate(d: UpdateDeps, pipeline: PipelineRecord, update: UpdateRecord, signal: AbortSignal): Promise<UpdateRecord> {
  const events = new UpdateEvents(d.store, d.clock, { pipeline_id: pipeline.pipeline_id, name: pipeline.spec.name ?? pipeline.pipeline_id }, update.update_id);
  const set = async (state: UpdateState) => {
    update = { ...update, state, end_time: state === 'COMPLETED' || state === 'FAILED' || state === 'CANCELED' ? d.clock.now() : null };
    await d.store.saveUpdate(update);
    await events.progress(state);
  };
  try {
    await set('INITIALIZING');
    const configuration = { ...(update.config.configuration ?? {}), ...update.parameters };
    const sources = await loadPipelineSources(libraryFiles(update.config.libraries ?? [], pipeline.source_dir), configuration);
    checkConfiguration(sources, configuration);
    const graph = buildPipelineGraph(
      sources.flatMap((s) => s.definitions),
      { catalog: update.config.catalog, schema: update.config.schema ?? update.config.target },
    );
    if (graph.errors.length) {
      for (const e of graph.errors) await events.error(e.message, e.code, originOf(e));
      throw new WeirError(graph.errors[0].code, `${graph.errors.length} error(s) in the pipeline's definitions; the first: ${graph.errors[0].message}`);
    }
    const ctx = { pipeline, update, graph, sources, configuration, events, signal };
    await events.emit(...definitionEvents(graph, (await d.flows.describeFlows?.(ctx)) ?? new Map()));
    if (update.validate_only) {
      await d.flows.validate?.(ctx);
      return await finish(set, 'COMPLETED');
    }
    await set('SETTING_UP_TABLES');
    await set('RUNNING');
    await d.flows.run(ctx);
    // A continuous pipeline keeps picking up new data every trigger interval until it is stopped.
    const interval = update.config.continuous ? triggerInterval(configuration) : 0;
    while (interval && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, interval);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      if (!signal.aborted) await d.flows.run(ctx);
    }
    return await finish(set, signal.aborted ? 'CANCELED' : 'COMPLETED');
  } catch (e) {
    if (signal.aborted) return await finish(set, 'CANCELED');
    const message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof WeirError && /error\(s\) in the pipeline's definitions|^validation found/.test(e.message))) await events.error(message, e instanceof WeirError ? e.code : 'weir.InternalError');
    return await finish(set, 'FAILED');
  }

  /** The final event first, then the archive of the update's events, then the state clients poll for. */
  async function finish(_set: (s: UpdateState) => Promise<void>, state: UpdateState): Promise<UpdateRecord> {
    update = { ...update, state, end_time: d.clock.now() };
    await events.progress(state);
    if (d.flows.archiveEvents) {
      try {
        const { events: all } = await d.store.listEvents(pipeline.pipeline_id, { updateId: update.update_id, ascending: true, offset: 0, limit: 1_000_000 });
        await d.flows.archiveEvents(pipeline, all);
      } catch (e) {
        process.emitWarning(`weir: archiving the event log of update ${update.update_id} failed: ${(e as Error).message}`);
      }
    }
    await d.store.saveUpdate(update);
    return update;
  }
}

/** `${key}` placeholders with no value in the configuration are an error at their origin, found before any table is touched. */
function checkConfiguration(sources: PipelineSource[], configuration: Record<string, string>): void {
  const missing = sources.flatMap((s) => s.configurationUsages).filter((u) => !(u.key in configuration));
  if (missing.length) {
    const at = missing.map((u) => `${formatOrigin(u.origin)}: \${${u.key}}`).join('; ');
    throw new WeirError('PIPELINE.INVALID_DEFINITION', `configuration has no value for ${at}; add the key to the pipeline's configuration`);
  }
}

function originOf(e: WeirError): Record<string, unknown> {
  const o = e.params.origin as { file?: string; line?: number } | undefined;
  return o ? { source_code_location: { path: o.file, line_number: o.line } } : {};
}

/**
 * flow_definition, dataset_definition and sink_definition events, as Databricks writes them at the start of an update;
 * `extra` adds the flow runner's details to flow_definition (weir's `column_lineage`).
 */
function definitionEvents(graph: PipelineGraph, extra: Map<string, Record<string, unknown>>) {
  const datasets = graph.datasets.map((ds) => ({
    level: 'INFO' as const,
    event_type: 'dataset_definition',
    message: `Dataset '${ds.id}' is defined as a ${ds.definition.kind.replace('_', ' ')}.`,
    origin: { dataset_name: ds.id },
    details: {
      dataset_definition: {
        dataset_type: ds.definition.kind === 'materialized_view' ? 'MATERIALIZED_VIEW' : ds.definition.kind === 'streaming_table' ? 'STREAMING_TABLE' : 'VIEW',
        num_flows: ds.flows.length,
        expectations: ds.definition.expectations.map((x) => ({ name: x.name, expression: x.expression, action: x.action.toUpperCase() })),
      },
    },
  }));
  const flows = graph.flows.map((f) => ({
    level: 'INFO' as const,
    event_type: 'flow_definition',
    message: `Flow '${f.id}' is defined as ${f.definition.type === 'auto_cdc' ? 'CHANGE' : f.definition.streaming ? 'APPEND' : 'COMPLETE'}.`,
    origin: { flow_name: f.id, dataset_name: f.target },
    details: {
      flow_definition: {
        output_dataset: f.target,
        input_datasets: f.inputs.map((i) => i.id),
        flow_type: f.definition.type === 'auto_cdc' ? 'CHANGE' : f.definition.streaming ? 'APPEND' : 'COMPLETE',
        language: f.definition.origin.file.endsWith('.sql') ? 'SQL' : 'TYPESCRIPT',
        once: f.definition.once,
        ...(extra.get(f.id) ?? {}),
      },
    },
  }));
  const sinks = graph.sinks.map((s) => ({
    level: 'INFO' as const,
    event_type: 'sink_definition',
    message: `Sink '${s.id}' is defined as a ${s.definition.format} sink.`,
    origin: { dataset_name: s.id },
    details: { sink_definition: { format: s.definition.format, options: s.definition.options, num_flows: s.flows.length } },
  }));
  return [...datasets, ...sinks, ...flows];
}

/** `pipelines.trigger.interval` ('5 seconds', '1 minute', '500 ms'); 5 s by default, at least 100 ms. */
export function triggerInterval(configuration: Record<string, string>): number {
  return Math.max(100, configuredDuration(configuration, 'pipelines.trigger.interval', 5_000));
}

/** A duration setting of the pipeline configuration ('10 seconds', '1 minute', '24 hours', '500 ms'), in ms. */
export function configuredDuration(configuration: Record<string, string>, key: string, fallback: number): number {
  const raw = configuration[key];
  if (!raw) return fallback;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?)\s*$/i.exec(raw);
  if (!m) throw new WeirError('PIPELINE.INVALID_DEFINITION', `configuration ${key}: "${raw}" is not a duration like '10 seconds' or '1 minute'`);
  const unit = m[2].toLowerCase();
  const ms = unit.startsWith('ms') || unit.startsWith('milli') ? 1 : unit.startsWith('s') ? 1000 : unit.startsWith('m') ? 60_000 : 3_600_000;
  return Number(m[1]) * ms;
}
