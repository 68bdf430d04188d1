import { useState } from 'react';
import { ErrorBox } from './error-box.js';
import { PipelineActions } from './pipeline-actions.js';
import { PipelineDatasetDetail } from './pipeline-dataset-detail.js';
import { PipelineEventLog } from './pipeline-event-log.js';
import { PipelineGraph } from './pipeline-graph.js';
import { pipelineStateColor } from './pipeline-model.js';
import { PipelineQuality } from './pipeline-quality.js';
import { pipelineHref, shortId } from './pipeline-routes.js';
import { PipelineUpdateFacts } from './pipeline-update-facts.js';
import { usePipelineUpdate } from './pipeline-update-poll.js';
import { PipelineUpdates } from './pipeline-updates.js';

type Tab = 'graph' | 'updates' | 'quality' | 'events';
const TABS: [Tab, string][] = [['graph', 'Graph'], ['updates', 'Updates'], ['quality', 'Data quality'], ['events', 'Event log']];

/** A pipeline: the graph of one update (the latest unless the URL names one), its update history, data quality and event log. */
export function PipelinePage({ pipelineId, updateId }: { pipelineId: string; updateId?: string }) {
  const view = usePipelineUpdate(pipelineId, updateId);
  const [tab, setTab] = useState<Tab>('graph');
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const { pipeline, update, graph } = view;
  if (!pipeline) return view.error ? <ErrorBox error={view.error} /> : <p className="muted">Loading pipeline…</p>;
  const dataset = selected ? graph?.datasets.find((d) => d.id === selected) : undefined;
  return (
    <section>
      <p className="crumbs"><a href={pipelineHref()}>Pipelines</a> /{update && <> <a href={pipelineHref(pipelineId)}>{pipeline.name}</a> /</>}</p>
      <div className="page-head">
        <h1>{pipeline.name ?? pipelineId}</h1>
        <span className="pl-state" data-testid="pipeline-state" style={{ background: pipelineStateColor(pipeline.state) }}>{pipeline.state}</span>
        <PipelineActions pipelineId={pipelineId} state={pipeline.state} updateState={update?.state} datasets={graph?.datasets ?? []} onError={setActionError} onChanged={view.reload} />
      </div>
      <ErrorBox error={view.error ?? actionError} />
      <div className="tabs" role="tablist">
        {TABS.map(([t, label]) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'tab active' : 'tab'} onClick={() => setTab(t)}>{label}</button>
        ))}
      </div>
      {tab === 'graph' && (
        <>
          {update ? <PipelineUpdateFacts update={update} problems={view.problems} truncated={view.truncated} /> : <p className="muted" data-testid="no-updates">No updates yet: start one (or validate) to see the graph.</p>}
          {graph && <PipelineGraph graph={graph} selected={selected ?? undefined} onSelect={setSelected} />}
          {update && !graph && <p className="muted" data-testid="no-graph">Update {shortId(update.update_id)} has no graph{update.state === 'FAILED' ? ': it failed before the graph was built (see the errors above)' : ' yet'}.</p>}
          {dataset && <PipelineDatasetDetail key={dataset.id} d={dataset} onClose={() => setSelected(null)} />}
        </>
      )}
      {tab === 'updates' && <PipelineUpdates pipelineId={pipelineId} selected={update?.update_id} onOpen={() => setTab('graph')} />}
      {tab === 'quality' && <PipelineQuality pipelineId={pipelineId} />}
      {tab === 'events' && <PipelineEventLog key={update?.update_id} pipelineId={pipelineId} updateId={update?.update_id} />}
    </section>
  );
}
