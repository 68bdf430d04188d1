import { useEffect, useState } from 'react';
import { apiGet } from './api-client.js';
import type { Run } from './api-types.js';

/** One page of a job's runs (newest first, with their tasks) from runs/list; never more than `limit` at once. */
export function useRunsPage(jobId: number, offset: number, limit: number): { runs: Run[] | null; hasMore: boolean; error: unknown } {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    apiGet<{ runs?: Run[]; has_more?: boolean }>('jobs/runs/list', { job_id: jobId, limit, offset, expand_tasks: true }).then(
      (r) => {
        if (!live) return;
        setRuns(r.runs ?? []);
        setHasMore(!!r.has_more);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [jobId, offset, limit]);
  return { runs, hasMore, error };
}
