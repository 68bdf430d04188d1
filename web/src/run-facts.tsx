import type { Run, RunTask } from './api-types.js';
import { costOf, formatComputeSeconds, formatMoney } from './cost-api.js';
import { formatDuration, formatTime } from './run-state-style.js';
import { hrefOf } from './use-hash-route.js';

/** A run's trigger (with the parent run of a run_job child), start, duration, parameters used and repair count. */
export function RunFacts({ run }: { run: Run }) {
  const params = run.job_parameters ?? [];
  const repairs = (run.repair_history?.length ?? 1) - 1;
  const cost = costOf(run);
  return (
    <dl className="facts">
      <dt>Trigger</dt>
      <dd>
        {run.trigger ?? '–'}
        {run.trigger_info && <> from <a href={hrefOf({ page: 'run', jobId: 0, runId: run.trigger_info.run_id })}>run {run.trigger_info.run_id}</a></>}
      </dd>
      <dt>Started</dt><dd>{formatTime(run.start_time)}</dd>
      <dt>Duration</dt><dd>{formatDuration(run.run_duration)}</dd>
      <dt>Parameters</dt>
      <dd>{params.length ? params.map((p) => <code key={p.name} className="param">{p.name}={p.value ?? p.default ?? ''}</code>) : 'none'}</dd>
      {repairs > 0 && <><dt>Repairs</dt><dd>{repairs}</dd></>}
      {cost.cost && (
        <>
          <dt>Cost</dt>
          <dd data-testid="run-cost">{formatMoney(cost.cost)} <span className="muted">for {formatComputeSeconds(cost.compute_seconds)} of compute{runActive(run) ? ' so far' : ''}</span></dd>
        </>
      )}
    </dl>
  );
}

function runActive(run: Run): boolean {
  return !['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(run.state.life_cycle_state);
}

/** Each task's cost and compute time (weir extension fields of runs/get), costliest first; a click opens the task. */
export function TaskCosts({ tasks, onSelect }: { tasks: RunTask[]; onSelect(taskKey: string): void }) {
  const rows = tasks.map((t) => ({ t, c: costOf(t) })).filter(({ c }) => c.cost !== undefined);
  if (!rows.length) return null;
  rows.sort((a, b) => (b.c.cost?.amount ?? 0) - (a.c.cost?.amount ?? 0));
  return (
    <details className="card task-costs" data-testid="task-costs">
      <summary>Cost by task</summary>
      <table className="jobs">
        <thead><tr><th>Task</th><th>Compute</th><th>Setup</th><th>Cost</th></tr></thead>
        <tbody>
          {rows.map(({ t, c }) => (
            <tr key={t.run_id} data-task={t.task_key}>
              <td><button className="link" onClick={() => onSelect(t.task_key)}>{t.task_key}</button></td>
              <td>{formatComputeSeconds(c.compute_seconds)}</td>
              <td>{t.setup_duration ? formatDuration(t.setup_duration) : '–'}</td>
              <td data-testid="task-cost-cell">{formatMoney(c.cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
