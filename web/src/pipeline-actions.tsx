import { useState } from 'react';
import { ApiCallError } from './api-client.js';
import { isActiveUpdate, pipelinesPost, startUpdate, type StartUpdate } from './pipeline-api.js';
import type { DatasetNode } from './pipeline-model.js';
import { PipelineRefreshDialog } from './pipeline-refresh-dialog.js';
import { pipelineHref } from './pipeline-routes.js';

/**
 * Start update, full refresh (confirmed), refresh selected tables, validate, and stop while an update runs. An
 * action the API refuses with 403 is withdrawn: what a user may not do is not offered.
 */
export function PipelineActions({ pipelineId, state, updateState, datasets, onError, onChanged }: {
  pipelineId: string;
  state: string;
  updateState?: string;
  datasets: DatasetNode[];
  onError: (e: unknown) => void;
  onChanged: () => void;
}) {
  const [dialog, setDialog] = useState<'none' | 'full' | 'select'>('none');
  const [forbidden, setForbidden] = useState(false);
  const [busy, setBusy] = useState(false);
  const running = state === 'RUNNING' || isActiveUpdate(updateState);
  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    try {
      await f();
      onError(null);
    } catch (e) {
      if (e instanceof ApiCallError && e.status === 403) setForbidden(true);
      onError(e);
    } finally {
      setBusy(false);
      setDialog('none');
    }
  };
  const start = (body: StartUpdate) => act(async () => {
    const uid = await startUpdate(pipelineId, body);
    location.hash = pipelineHref(pipelineId, uid);
  });
  const stop = () => act(async () => {
    await pipelinesPost(`pipelines/${pipelineId}/stop`, {});
    onChanged();
  });
  if (forbidden) return <span className="muted" data-testid="actions-forbidden">You may not start or stop updates of this pipeline.</span>;
  return (
    <div className="actions">
      <button disabled={busy || running} onClick={() => void start({})}>Start update</button>
      {dialog !== 'full' && <button disabled={busy || running} onClick={() => setDialog('full')}>Full refresh all</button>}
      {dialog === 'full' && (
        <span className="confirm">
          Recompute every table from all its input? <button className="danger" onClick={() => void start({ full_refresh: true })}>Confirm full refresh</button>
          <button onClick={() => setDialog('none')}>Cancel</button>
        </span>
      )}
      <button disabled={busy || running || !datasets.length} title={datasets.length ? undefined : 'Run or validate the pipeline once to know its tables'} onClick={() => setDialog('select')}>Refresh selected tables</button>
      <button disabled={busy || running} onClick={() => void start({ validate_only: true })}>Validate</button>
      {running && <button className="danger" disabled={busy} onClick={() => void stop()}>Stop</button>}
      {dialog === 'select' && (
        <PipelineRefreshDialog
          datasets={datasets}
          onClose={() => setDialog('none')}
          onStart={(tables, full) => void start(full ? { full_refresh_selection: tables } : { refresh_selection: tables })}
        />
      )}
    </div>
  );
}
