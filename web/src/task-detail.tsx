import { useEffect, useState } from 'react';
import { apiGet } from './api-client.js';
import type { RunOutput, RunTask } from './api-types.js';
import { ErrorBox } from './error-box.js';
import { formatDuration, formatTime, isActive, stateLabel } from './run-state-style.js';
import { hrefOf } from './use-hash-route.js';
import { useLiveLog } from './use-live-log.js';

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
      {child && <p>Child run: <a href={hrefOf({ page: 'run', jobId: 0, runId: child })}>run {child}</a></p>}
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
