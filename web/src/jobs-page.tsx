import { useCallback, useEffect, useState } from 'react';
import { apiGet } from './api-client.js';
import type { Job } from './api-types.js';
import { CreateJobDialog } from './create-job-dialog.js';
import { ErrorBox } from './error-box.js';
import { JobRow } from './job-row.js';
import { useJobsPermissions } from './use-job-permissions.js';

const PAGE = 100;

/** The jobs list: name, trigger, next run, last runs, paused state; search, run, pause, delete, create. */
export function JobsPage() {
  const [offset, setOffset] = useState(0);
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [search, setSearch] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const load = useCallback(async () => {
    try {
      const r = await apiGet<{ jobs?: Job[]; has_more?: boolean; next_page_token?: string }>('jobs/list', { limit: PAGE, offset });
      setJobs(r.jobs ?? []);
      setHasMore(!!(r.has_more ?? r.next_page_token));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [offset]);
  useEffect(() => void load(), [load]);
  // The caller's level on each job of the page: rows offer only the actions it allows.
  const levels = useJobsPermissions((jobs ?? []).map((j) => j.job_id));
  const shown = (jobs ?? []).filter((j) => (j.settings.name ?? '').toLowerCase().includes(search.trim().toLowerCase()));
  return (
    <section>
      <div className="page-head">
        <h1>Jobs</h1>
        <input className="search" placeholder="Search by name" aria-label="Search jobs by name" value={search} onChange={(e) => setSearch(e.target.value)} />
        <button onClick={() => setCreating(true)}>Create job</button>
      </div>
      {creating && <CreateJobDialog onClose={() => setCreating(false)} />}
      <ErrorBox error={error} />
      {jobs === null && !error && <p className="muted">Loading jobs…</p>}
      {jobs !== null && (
        <table className="jobs" data-permissions={levels ? 'loaded' : 'loading'}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Owner</th>
              <th>Trigger</th>
              <th>Next run</th>
              <th>Recent runs</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((j) => <JobRow key={j.job_id} job={j} onChanged={() => void load()} level={levels?.get(j.job_id)} />)}
            {shown.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">{search ? `No job on this page has "${search}" in its name.` : 'No jobs yet: create one.'}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
        <button disabled={!hasMore} onClick={() => setOffset(offset + PAGE)}>Next</button>
      </div>
    </section>
  );
}
