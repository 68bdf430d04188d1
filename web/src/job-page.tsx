import { useCallback, useEffect, useMemo, useState } from 'react';
import { apiGet, apiPost } from './api-client.js';
import type { Job, Run, RunTask } from './api-types.js';
import { JobEditorDialog } from './create-job-dialog.js';
import { ErrorBox } from './error-box.js';
import { RunMatrix } from './run-matrix.js';
import { SettingsView } from './settings-view.js';
import { TaskGraph } from './task-graph.js';
import { fetchFullJob } from './job-form-api.js';
import { hrefOf } from './use-hash-route.js';

type Tab = 'graph' | 'runs' | 'settings';

/** A job: its task graph coloured by the latest run, the run matrix, and its settings as JSON. */
export function JobPage({ jobId }: { jobId: number }) {
  const [job, setJob] = useState<Job | null>(null);
  const [latest, setLatest] = useState<Run | null>(null);
  const [tab, setTab] = useState<Tab>('graph');
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const load = useCallback(async () => {
    try {
      // Every page of tasks: jobs/get answers 100 at a time, and the graph shows them all.
      setJob(await fetchFullJob(jobId));
      const r = await apiGet<{ runs?: Run[] }>('jobs/runs/list', { job_id: jobId, limit: 1, expand_tasks: true });
      setLatest(r.runs?.[0] ?? null);
    } catch (e) {
      setError(e);
    }
  }, [jobId]);
  useEffect(() => void load(), [load]);
  const states = useMemo(() => new Map<string, RunTask>((latest?.tasks ?? []).map((t) => [t.task_key, t])), [latest]);
  const runNow = async () => {
    try {
      const r = await apiPost<{ run_id: number }>('jobs/run-now', { job_id: jobId });
      location.hash = hrefOf({ page: 'run', jobId, runId: r.run_id });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <p className="crumbs"><a href="#jobs">Jobs</a> /</p>
      <div className="page-head">
        <h1>{job?.settings.name ?? `Job ${jobId}`}</h1>
        <span className="muted">job {jobId}</span>
        <button onClick={() => void runNow()}>Run now</button>
        {job && <button onClick={() => setEditing(true)}>Edit</button>}
      </div>
      {job && editing && <JobEditorDialog job={job} onClose={() => setEditing(false)} onSaved={() => { setEditing(false); void load(); }} />}
      <ErrorBox error={error} />
      <div className="tabs" role="tablist">
        {(['graph', 'runs', 'settings'] as Tab[]).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'tab active' : 'tab'} onClick={() => setTab(t)}>
            {t === 'graph' ? 'Tasks' : t === 'runs' ? 'Runs' : 'Settings'}
          </button>
        ))}
      </div>
      {job && tab === 'graph' && (
        <>
          {latest && <p className="muted">Coloured by the latest run, <a href={hrefOf({ page: 'run', jobId, runId: latest.run_id })}>run {latest.run_id}</a>.</p>}
          <TaskGraph tasks={job.settings.tasks ?? []} states={states} />
        </>
      )}
      {job && tab === 'runs' && <RunMatrix job={job} />}
      {job && tab === 'settings' && <SettingsView settings={job.settings} />}
    </section>
  );
}
