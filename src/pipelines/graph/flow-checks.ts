import type { AutoCdcFlow } from '../../domain/pipeline-definition.js';
import type { GraphDataset, GraphErrors, GraphFlow, GraphInput, GraphSink } from './pipeline-graph.js';

/** The nodes the checks look at. */
export interface CheckScope {
  datasets: Map<string, GraphDataset>;
  sinks: Map<string, GraphSink>;
  flows: Map<string, GraphFlow>;
  errors: GraphErrors;
}

/**
 * Validates flows against their targets and inputs (reference 3.7 and 1.4): flow counts per dataset, AUTO CDC
 * targets and options, streaming sources where a stream is required, streaming/batch read compatibility,
 * persisted views over temporary views.
 */
export function checkFlows(scope: CheckScope): void {
  for (const d of scope.datasets.values()) checkFlowCount(d, scope);
  for (const f of scope.flows.values()) {
    const target = scope.datasets.get(f.target);
    if (f.definition.type === 'auto_cdc') checkAutoCdc(f, f.definition, target, scope);
    else if (f.definition.streaming && !hasStreamingSource(f)) {
      scope.errors.add('PIPELINE.STREAMING_SOURCE_REQUIRED', f.definition.query.origin, `flow ${f.id} writes streaming table ${f.target} but reads no stream; wrap a source in STREAM(...) (e.g. FROM STREAM(x) or STREAM read_files(...)), use INSERT ONCE for a one-shot backfill, or make ${f.target} a materialized view`, { flow: f.id });
    }
    for (const input of f.inputs) if (input.internal) checkRead(f, input, target, scope);
  }
}

function checkFlowCount(d: GraphDataset, scope: CheckScope): void {
  const def = d.definition;
  const names = def.expectations.map((x) => x.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    scope.errors.add('PIPELINE.INVALID_DEFINITION', def.origin, `${d.id} declares expectation "${dup}" twice; expectation names must be unique within a dataset`, { dataset: d.id });
  }
  if (d.flows.length === 0 && def.kind === 'streaming_table') {
    scope.errors.add('PIPELINE.DATASET_WITHOUT_FLOW', def.origin, `streaming table ${d.id} has no query and no flow writes it; add AS query, or a CREATE FLOW … INSERT INTO ${def.name.join('.')} BY NAME …, or remove it`, { dataset: d.id });
  }
  if (d.flows.length > 1 && def.kind !== 'streaming_table') {
    const second = scope.flows.get(d.flows[1])!;
    scope.errors.add('PIPELINE.MULTIPLE_FLOWS', second.definition.origin, `${def.kind.replace('_', ' ')} ${d.id} is written by ${d.flows.length} flows (${d.flows.join(', ')}); only streaming tables take several flows, so make it a streaming table or union the queries`, { dataset: d.id, flows: d.flows });
  }
}

function hasStreamingSource(f: GraphFlow): boolean {
  const q = f.definition.type === 'flow' ? f.definition.query : f.definition.source;
  // Unresolved references count too: a missing input is reported once, as MISSING_INPUT, not again here.
  return q.fileSources.some((s) => s.streaming) || q.references.some((r) => r.streaming);
}

function checkAutoCdc(f: GraphFlow, cdc: AutoCdcFlow, target: GraphDataset | undefined, scope: CheckScope): void {
  const e = scope.errors;
  if (target && target.definition.kind !== 'streaming_table') {
    e.add('PIPELINE.AUTO_CDC_TARGET', cdc.origin, `AUTO CDC flow ${f.id} writes ${target.definition.kind.replace('_', ' ')} ${f.target}; the target must be a streaming table: declare CREATE OR REFRESH STREAMING TABLE ${cdc.target.join('.')}; without AS`, { flow: f.id });
  } else if (!target && scope.sinks.has(f.target)) {
    e.add('PIPELINE.AUTO_CDC_TARGET', cdc.origin, `AUTO CDC flow ${f.id} writes sink ${f.target}; AUTO CDC flows cannot target sinks, write a streaming table instead`, { flow: f.id });
  }
  if (!hasStreamingSource(f)) {
    e.add('PIPELINE.STREAMING_SOURCE_REQUIRED', cdc.source.origin, `the source of AUTO CDC flow ${f.id} is not a stream; write FROM STREAM(${cdc.source.text})`, { flow: f.id });
  }
  const invalid = (msg: string): void => e.add('PIPELINE.INVALID_DEFINITION', cdc.origin, `AUTO CDC flow ${f.id}: ${msg}`, { flow: f.id });
  if (cdc.columnList?.length && cdc.exceptColumnList?.length) invalid('column_list and except_column_list exclude each other; keep one');
  if (cdc.trackHistoryColumnList?.length && cdc.trackHistoryExceptColumnList?.length) invalid('track_history_column_list and track_history_except_column_list exclude each other; keep one');
  if (cdc.storedAsScdType === 1 && (cdc.trackHistoryColumnList?.length || cdc.trackHistoryExceptColumnList?.length)) invalid('TRACK HISTORY ON needs STORED AS SCD TYPE 2');
  if (cdc.storedAsScdType === 2 && cdc.applyAsTruncates !== undefined) invalid('APPLY AS TRUNCATE WHEN is only for SCD TYPE 1; remove it or use SCD TYPE 1');
}

function checkRead(f: GraphFlow, input: GraphInput, target: GraphDataset | undefined, scope: CheckScope): void {
  const e = scope.errors;
  const written = input.reference;
  const params = { flow: f.id, input: input.id };
  if (scope.sinks.has(input.id)) {
    e.add('PIPELINE.INCOMPATIBLE_READ', input.origin, `flow ${f.id} reads sink ${input.id}; sinks are write-only, read the dataset the sink is fed from`, params);
    return;
  }
  const source = scope.datasets.get(input.id)!.definition;
  const streamingRead = input.kind === 'streaming';
  if (streamingRead && target?.definition.kind === 'materialized_view') {
    e.add('PIPELINE.INCOMPATIBLE_READ', input.origin, `materialized view ${f.target} reads ${input.id} as a stream; materialized views are batch, remove STREAM() or make ${f.target} a streaming table`, params);
  } else if (streamingRead && source.kind === 'materialized_view') {
    e.add('PIPELINE.INCOMPATIBLE_READ', input.origin, `${f.id} streams from materialized view ${input.id}, which is recomputed rather than appended; read it without STREAM() from a materialized view, or make ${input.id} a streaming table`, params);
  } else if (source.kind === 'view') {
    const viewFlow = scope.flows.get(scope.datasets.get(input.id)!.flows[0] ?? '');
    const viewStreams = viewFlow?.definition.type === 'flow' && viewFlow.definition.streaming;
    if (streamingRead && viewFlow && !viewStreams) {
      e.add('PIPELINE.INCOMPATIBLE_READ', input.origin, `${f.id} reads batch view ${input.id} through STREAM (INCOMPATIBLE_BATCH_VIEW_READ); remove STREAM() or make the view read STREAM(...)`, params);
    } else if (!streamingRead && viewStreams) {
      e.add('PIPELINE.INCOMPATIBLE_READ', input.origin, `${f.id} reads streaming view ${input.id} as a batch (INCOMPATIBLE_STREAMING_VIEW_READ); write STREAM(${written.parts.join('.')})`, params);
    }
  }
  const targetDef = target?.definition;
  if (targetDef?.kind === 'view' && !targetDef.temporary && source.kind === 'view' && source.temporary) {
    e.add('PIPELINE.TEMP_VIEW_REFERENCE', input.origin, `persisted view ${f.target} reads temporary view ${input.id}; a published view cannot depend on one that exists only during the run, so make ${input.id} a persisted view or ${f.target} temporary`, params);
  }
}
