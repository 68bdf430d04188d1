import { useCallback, useEffect, useState } from 'react';
import { isActiveUpdate, pipelinesGet, quoted, readEvents, type EventsPage, type PipelineEvent, type PipelineInfo, type UpdateInfo } from './pipeline-api.js';
import { buildGraph, type PipelineGraphModel } from './pipeline-model.js';

/** What the pipeline page shows of one update. */
export interface UpdateView {
  pipeline: PipelineInfo | null;
  update: UpdateInfo | null;
  graph: PipelineGraphModel | null;
  /** The update's WARN and ERROR events, newest first (at most 20). */
  problems: PipelineEvent[];
  /** The update had more events than one read follows: the graph's numbers may be partial. */
  truncated: boolean;
  error: unknown;
  reload: () => void;
}

const GRAPH_EVENTS = "event_type in ('dataset_definition', 'flow_definition', 'flow_progress')";

/**
 * A pipeline and one of its updates (the latest when `updateId` is undefined) with the update's graph, read from
 * the event log with `update_id = …` filters; polled every second while the update is active.
 */
export function usePipelineUpdate(pipelineId: string, updateId: string | undefined): UpdateView {
  const [view, setView] = useState<Omit<UpdateView, 'reload' | 'error'>>({ pipeline: null, update: null, graph: null, problems: [], truncated: false });
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const pipeline = await pipelinesGet<PipelineInfo>(`pipelines/${pipelineId}`);
        const uid = updateId ?? pipeline.latest_updates?.[0]?.update_id;
        const next = uid ? await readUpdate(pipelineId, uid) : { update: null, graph: null, problems: [], truncated: false };
        if (!live) return;
        setView({ pipeline, ...next });
        setError(null);
        if (isActiveUpdate(next.update?.state) || pipeline.state === 'RUNNING') timer = setTimeout(() => void poll(), 1000);
      } catch (e) {
        if (live) setError(e);
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [pipelineId, updateId, tick]);
  return { ...view, error, reload };
}

async function readUpdate(pipelineId: string, uid: string) {
  const byUpdate = `update_id = ${quoted(uid)}`;
  const [u, events, problems] = await Promise.all([
    pipelinesGet<{ update: UpdateInfo }>(`pipelines/${pipelineId}/updates/${uid}`),
    readEvents(pipelineId, `${byUpdate} AND ${GRAPH_EVENTS}`),
    pipelinesGet<EventsPage>(`pipelines/${pipelineId}/events`, { filter: `${byUpdate} AND level in ('WARN', 'ERROR')`, max_results: 20 }),
  ]);
  const graph = buildGraph(events.events);
  return { update: u.update, graph: graph.datasets.length ? graph : null, problems: problems.events, truncated: events.truncated };
}
