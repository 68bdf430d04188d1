import { useMemo, useState } from 'react';
import { apiPost } from './api-client.js';
import type { RunTask } from './api-types.js';
import { ErrorBox } from './error-box.js';
import { GanttTimeline } from './gantt-timeline.js';
import { RepairDialog } from './repair-dialog.js';
import { isActive, stateColor, stateLabel } from './run-state-style.js';
import { RunFacts, TaskCosts } from './run-facts.js';
import { TaskDetail } from './task-detail.js';
import { TaskGraph } from './task-graph.js';
import { useRunPoll } from './use-run-poll.js';
import { hrefOf } from './use-hash-route.js';
import { useJobPermissions } from './use-job-permissions.js';

/** A run: state, trigger, parameters, task graph, Gantt timeline, each task's output and logs; cancel and repair. */
export function RunPage({ jobId, runId }: { jobId: number; runId: number }) {
  const { run, error, reload } = useRunPoll(runId);
  const [selected, setSelected] = useState<string | null>(null);
  const [repairing, setRepairing] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  // Cancel and Repair need CAN_MANAGE_RUN on the run's job (or ownership of a one-time run).
  const { canRun, loaded, level } = useJobPermissions({ runId });
  const states = useMemo(() => new Map<string, RunTask>((run?.tasks ?? []).map((t) => [t.task_key, t])), [run]);
  if (!run) return error ? <ErrorBox error={error} /> : <p className="muted">Loading run {runId}…</p>;
  const label = stateLabel(run.state);
  const active = isActive(run.state);
  const cancel = async () => {
    try {
      await apiPost('jobs/runs/cancel', { run_id: runId });
      reload();
    } catch (e) {
      setActionError(e);
    }
  };
  const task = selected ? states.get(selected) : undefined;
  return (
    <section>
      <p className="crumbs"><a href="#jobs">Jobs</a> / <a href={hrefOf({ page: 'job', jobId: run.job_id ?? jobId })}>job {run.job_id ?? jobId}</a> /</p>
      <div className="page-head" data-permission={loaded ? (level ?? 'none') : 'loading'}>
        <h1>{run.run_name ?? 'Run'} <span className="muted">run {runId}</span></h1>
        <span className="state-pill" data-testid="run-state" style={{ background: stateColor(label) }}>{label}</span>
        {canRun && active && <button className="danger" onClick={() => void cancel()}>Cancel run</button>}
        {canRun && !active && <button onClick={() => setRepairing(true)}>Repair run</button>}
      </div>
      <ErrorBox error={error ?? actionError} />
      {run.state.state_message && <p className="muted" data-testid="state-message">{run.state.state_message}</p>}
      <RunFacts run={run} />
      {repairing && <RepairDialog run={run} onClose={() => setRepairing(false)} onRepaired={() => { setRepairing(false); reload(); }} />}
      <TaskGraph tasks={run.tasks ?? []} states={states} onSelect={setSelected} />
      <GanttTimeline run={run} onSelect={setSelected} />
      <TaskCosts tasks={run.tasks ?? []} onSelect={setSelected} />
      {task && <TaskDetail key={`${task.run_id}`} task={task} onClose={() => setSelected(null)} />}
    </section>
  );
}
