import { useCallback, useEffect, useState } from 'react';
import { fetchMyLevel, levelAllows, type JobLevel } from './job-permissions-api.js';

/** What the caller may do on one job; every flag is false until the level is known, so nothing is offered early. */
export interface JobAbilities {
  level?: JobLevel;
  loaded: boolean;
  canRun: boolean;
  canManage: boolean;
  reload(): void;
}

/** Abilities of a level. */
export function abilitiesOf(level: JobLevel | undefined): { canRun: boolean; canManage: boolean } {
  return { canRun: levelAllows(level, 'CAN_MANAGE_RUN'), canManage: levelAllows(level, 'CAN_MANAGE') };
}

/** The caller's effective level on a job (or on a run's job, or a one-time run) from the server. */
export function useJobPermissions(q: { jobId?: number; runId?: number }): JobAbilities {
  const [level, setLevel] = useState<JobLevel | undefined>();
  const [loaded, setLoaded] = useState(false);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    fetchMyLevel(q.runId !== undefined ? { run_id: q.runId } : { job_id: q.jobId }).then(
      (r) => live && (setLevel(r.permission_level), setLoaded(true)),
      // A failed lookup offers nothing: the actions would be refused anyway.
      () => live && (setLevel(undefined), setLoaded(true)),
    );
    return () => {
      live = false;
    };
  }, [q.jobId, q.runId, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { level, loaded, ...abilitiesOf(level), reload };
}

/** The caller's levels on a page of jobs (one request per page of at most 100), or null while loading. */
export function useJobsPermissions(jobIds: number[]): Map<number, JobLevel> | null {
  const [levels, setLevels] = useState<Map<number, JobLevel> | null>(null);
  const key = jobIds.join(',');
  useEffect(() => {
    let live = true;
    if (!key) {
      setLevels(new Map());
      return;
    }
    fetchMyLevel({ job_ids: key }).then(
      (r) => live && setLevels(new Map(Object.entries(r.permission_levels ?? {}).map(([id, l]) => [Number(id), l]))),
      () => live && setLevels(new Map()),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return levels;
}
