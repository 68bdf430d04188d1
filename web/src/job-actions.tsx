import { useState } from 'react';
import { apiPost } from './api-client.js';
import type { Job } from './api-types.js';
import { RunNowDialog } from './run-now-dialog.js';
import { hrefOf } from './use-hash-route.js';
import type { JobLevel } from './job-permissions-api.js';
import { abilitiesOf } from './use-job-permissions.js';

/** Whether a job's schedule, trigger or continuous setting is paused. */
export function isPaused(job: Job): boolean {
  return (job.settings.schedule ?? job.settings.trigger ?? job.settings.continuous)?.pause_status === 'PAUSED';
}

/** The actions of a job in the jobs list: run now (with parameters), pause/unpause, delete with confirmation; only those the caller's `level` allows. */
export function JobActions({ job, act, level }: { job: Job; act: (f: () => Promise<unknown>) => Promise<void>; level?: JobLevel }) {
  const { canRun, canManage } = abilitiesOf(level);
  const [dialog, setDialog] = useState<'none' | 'params' | 'delete'>('none');
  const id = job.job_id;
  const paused = isPaused(job);
  const s = job.settings;
  const pauseKey = s.schedule ? 'schedule' : s.trigger ? 'trigger' : s.continuous ? 'continuous' : undefined;
  const runNow = () => act(async () => {
    const r = await apiPost<{ run_id: number }>('jobs/run-now', { job_id: id });
    location.hash = hrefOf({ page: 'run', jobId: id, runId: r.run_id });
  });
  const togglePause = (key: string) => act(() => {
    const current = s[key] as Record<string, unknown>;
    return apiPost('jobs/update', { job_id: id, new_settings: { [key]: { ...current, pause_status: paused ? 'UNPAUSED' : 'PAUSED' } } });
  });
  return (
    <div className="actions">
      {canRun && <button onClick={() => void runNow()}>Run now</button>}
      {canRun && !!s.parameters?.length && <button onClick={() => setDialog('params')}>Run with parameters</button>}
      {canManage && pauseKey && <button onClick={() => void togglePause(pauseKey)}>{paused ? 'Unpause' : 'Pause'}</button>}
      {canManage && dialog !== 'delete' && <button className="danger" onClick={() => setDialog('delete')}>Delete</button>}
      {dialog === 'delete' && (
        <span className="confirm">
          Delete “{s.name ?? `Job ${id}`}”? <button className="danger" onClick={() => void act(() => apiPost('jobs/delete', { job_id: id }))}>Confirm delete</button>
          <button onClick={() => setDialog('none')}>Cancel</button>
        </span>
      )}
      {dialog === 'params' && <RunNowDialog job={job} onClose={() => setDialog('none')} />}
    </div>
  );
}
