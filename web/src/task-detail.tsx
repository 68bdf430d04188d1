import { useCallback, useEffect, useState } from 'react';
import { apiGet } from './api-client.js';
import type { RunOutput, RunTask } from './api-types.js';
import { ErrorBox } from './error-box.js';
import { formatDuration, formatTime, isActive, stateColor, stateLabel } from './run-state-style.js';
import { hrefOf } from './use-hash-route.js';
import { useLiveLog } from './use-live-log.js';

/** A for_each iteration as the weir extension GET weir/runs/iterations answers it: a RunTask plus its index and input. */
type Iteration = RunTask & { iteration_index: number; input: string | null };

const ITERATIONS_PER_PAGE = 100;

/** The iterations of a for_each task run, 100 per page, refreshed every 2 s while the task runs; pick one for its detail. */
function ForEachIterations({ task }: { task: RunTask }) {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ iterations?: Iteration[]; total_iterations: number; has_more?: boolean } | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const active = isActive(task.state);
  const load = useCallback(() => {
    apiGet<typeof page & object>('weir/runs/iterations', { run_id: task.run_id, offset, limit: ITERATIONS_PER_PAGE }).then(setPage, setError);
  }, [task.run_id, offset]);
  useEffect(() => {
    load();
    if (!active) return;
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, [load, active]);
  const its = page?.iterations ?? [];
  const shown = its.find((i) => i.run_id === picked);
  return (
    <div data-testid="iteration-list">
      <h3>Iterations</h3>
      <ErrorBox error={error} />
      <table className="jobs iterations">
        <thead><tr><th>#</th><th>Input</th><th>State</th><th>Duration</th><th>Attempt</th><th /></tr></thead>
        <tbody>
          {its.map((it) => {
            const label = stateLabel(it.state);
            const child = it.run_job_output?.run_id;
            return (
              <tr key={it.run_id} data-iteration={it.iteration_index} style={it.run_id === picked ? { background: '#eef4ff' } : undefined}>
                <td>{it.iteration_index}</td>
                <td><code>{it.input ?? ''}</code></td>
                <td><span className="state-pill" style={{ background: stateColor(label) }}>{label}</span></td>
                <td>{formatDuration(it.run_duration ?? it.execution_duration)}</td>
                <td>{it.attempt_number}</td>
                <td>
                  <button className="link" onClick={() => setPicked(it.run_id === picked ? null : it.run_id)}>{it.run_id === picked ? 'Hide' : 'Output and logs'}</button>
                  {child && <> · <a href={hrefOf({ page: 'run', jobId: 0, runId: child })}>child run {child}</a></>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {page && (offset > 0 || page.has_more) && (
        <div className="pager">
          <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - ITERATIONS_PER_PAGE))}>Previous</button>
          <span className="muted">{offset + 1}–{offset + its.length} of {page.total_iterations}</span>
          <button disabled={!page.has_more} onClick={() => setOffset(offset + ITERATIONS_PER_PAGE)}>Next</button>
        </div>
      )}
      {shown && <TaskDetail key={shown.run_id} task={{ ...shown, task_key: `${task.task_key}[${shown.iteration_index}]` }} onClose={() => setPicked(null)} />}
    </div>
  );
}

/** One task run of a run: state, output, error and trace (runs/get-output), and its live stdout/stderr. */
export function TaskDetail({ task, onClose }: { task: RunTask; onClose: () => void }) {
  const [stream, setStream] = useState<'stdout' | 'stderr'>('stdout');
  const [output, setOutput] = useState<RunOutput | null>(null);
  const [error, setError] = useState<unknown>(null);
  const active = isActive(task.state);
  useEffect(() => {
    if (active) return;
    apiGet<RunOutput>('jobs/runs/get-output', { run_id: task.run_id }).then(setOutput, setError);
  }, [task.run_id, active]);
  const log = useLiveLog(task.run_id, stream);
  const child = task.run_job_output?.run_id;
  const stats = task.for_each_task?.stats?.task_run_stats;
  const result = output?.notebook_output?.result;
  return (
    <div className="card task-detail" data-testid="task-detail" data-task={task.task_key}>
      <div className="page-head">
        <h2>{task.task_key}</h2>
        <span className="muted">{stateLabel(task.state)} · attempt {task.attempt_number} · {formatTime(task.start_time)} · {formatDuration(task.run_duration ?? task.execution_duration)}</span>
        <button onClick={onClose}>Close</button>
      </div>
      {task.state.state_message && <p className="muted">{task.state.state_message}</p>}
      {task.condition_task?.outcome && <p>Condition outcome: <strong>{task.condition_task.outcome}</strong></p>}
      {stats && (
        <p data-testid="iterations">
          Iterations: {stats.total_iterations ?? 0} total, {stats.succeeded_iterations ?? 0} succeeded, {stats.failed_iterations ?? 0} failed, {stats.active_iterations ?? 0} active
        </p>
      )}
      {child && <p data-testid="child-run">Child run: <a href={hrefOf({ page: 'run', jobId: 0, runId: child })}>run {child}</a></p>}
      {task.for_each_task && <ForEachIterations task={task} />}
      <ErrorBox error={error} />
      {output?.error && <><h3>Error</h3><pre className="error" data-testid="task-error">{output.error}</pre></>}
      {output?.error_trace && <><h3>Error trace</h3><pre className="trace">{output.error_trace}</pre></>}
      {result !== undefined && <><h3>Result</h3><pre className="json">{result}</pre></>}
      {output?.sql_output !== undefined && <><h3>SQL output</h3><pre className="json">{JSON.stringify(output.sql_output, null, 2)}</pre></>}
      <h3>
        Logs{' '}
        <button className={stream === 'stdout' ? 'tab active' : 'tab'} onClick={() => setStream('stdout')}>stdout</button>
        <button className={stream === 'stderr' ? 'tab active' : 'tab'} onClick={() => setStream('stderr')}>stderr</button>
        {!log.done && <span className="muted"> live</span>}
      </h3>
      <ErrorBox error={log.error} />
      <pre className="log" data-testid="task-log">{log.text || (log.done ? '(empty)' : '')}</pre>
    </div>
  );
}
