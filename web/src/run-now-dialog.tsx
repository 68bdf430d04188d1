import { useState, type FormEvent } from 'react';
import { apiPost } from './api-client.js';
import type { Job } from './api-types.js';
import { ErrorBox } from './error-box.js';
import { hrefOf } from './use-hash-route.js';

/** "Run now with different parameters": a field per job parameter, prefilled with its default. */
export function RunNowDialog({ job, onClose }: { job: Job; onClose: () => void }) {
  const params = job.settings.parameters ?? [];
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(params.map((p) => [p.name, p.default])));
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const r = await apiPost<{ run_id: number }>('jobs/run-now', { job_id: job.job_id, job_parameters: values });
      location.hash = hrefOf({ page: 'run', jobId: job.job_id, runId: r.run_id });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="modal" role="dialog" aria-label="Run with parameters">
      <form className="card" onSubmit={submit}>
        <h2>Run “{job.settings.name}” with parameters</h2>
        {params.map((p) => (
          <label key={p.name} className="field">
            {p.name}
            <input name={p.name} value={values[p.name] ?? ''} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} />
          </label>
        ))}
        <ErrorBox error={error} />
        <div className="buttons">
          <button type="submit">Run</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </div>
  );
}
