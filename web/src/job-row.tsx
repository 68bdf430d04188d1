import { useEffect, useState } from 'react';
import { apiGet } from './api-client.js';
import type { Job, Run, ScheduleNext } from './api-types.js';
import { ErrorBox } from './error-box.js';
import { isPaused, JobActions } from './job-actions.js';
import { StateDot } from './state-dot.js';
import { hrefOf } from './use-hash-route.js';
import type { JobLevel } from './job-permissions-api.js';

/** How a job is triggered, in words. */
function triggerText(job: Job, next: ScheduleNext | null): string {
  const s = job.settings;
  if (s.schedule) return next?.description ?? s.schedule.quartz_cron_expression;
  if (s.continuous) return 'Continuous';
  if (s.trigger) return `Trigger: ${Object.keys(s.trigger).filter((k) => k !== 'pause_status').join(', ')}`;
  return 'Manual';
}

/** One job of the jobs list with its schedule, last runs and the actions the caller's `level` allows. */
export function JobRow({ job, onChanged, level }: { job: Job; onChanged: () => void; level?: JobLevel }) {
  const [next, setNext] = useState<ScheduleNext | null>(null);
  const [runs, setRuns] = useState<Run[]>([]);
  const [error, setError] = useState<unknown>(null);
  const id = job.job_id;
  const paused = isPaused(job);
  useEffect(() => {
    if (job.settings.schedule) apiGet<ScheduleNext>('jobs/schedule/next', { job_id: id, count: 1 }).then(setNext, setError);
    apiGet<{ runs?: Run[] }>('jobs/runs/list', { job_id: id, limit: 5 }).then((r) => setRuns(r.runs ?? []), setError);
  }, [id, job.settings.schedule]);
  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setError(null);
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <tr data-job-id={id}>
      <td>
        <a href={hrefOf({ page: 'job', jobId: id })} className="job-name">{job.settings.name ?? `Job ${id}`}</a>
        {paused && <span className="badge">Paused</span>}
        <ErrorBox error={error} />
      </td>
      <td>{job.creator_user_name ?? '–'}</td>
      <td>{triggerText(job, next)}</td>
      <td>{paused ? 'Paused' : next?.next_fire_times[0] ? new Date(next.next_fire_times[0]).toLocaleString() : '–'}</td>
      <td className="dots">
        {[...runs].reverse().map((r) => <StateDot key={r.run_id} state={r.state} href={hrefOf({ page: 'run', jobId: id, runId: r.run_id })} />)}
      </td>
      <td><JobActions job={job} act={act} level={level} /></td>
    </tr>
  );
}
