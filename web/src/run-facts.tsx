import type { Run } from './api-types.js';
import { formatDuration, formatTime } from './run-state-style.js';
import { hrefOf } from './use-hash-route.js';

/** A run's trigger (with the parent run of a run_job child), start, duration, parameters used and repair count. */
export function RunFacts({ run }: { run: Run }) {
  const params = run.job_parameters ?? [];
  const repairs = (run.repair_history?.length ?? 1) - 1;
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
    </dl>
  );
}
