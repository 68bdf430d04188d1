import { useCallback, useEffect, useState } from 'react';
import { apiGet } from './api-client.js';
import type { Run } from './api-types.js';
import { isActive } from './run-state-style.js';

/** A run with all its task runs: runs/get (2.2) answers 100 at a time with next_page_token for the rest. */
async function fetchFullRun(runId: number): Promise<Run> {
  const first = await apiGet<Run & { next_page_token?: string }>('jobs/runs/get', { run_id: runId });
  const tasks = [...(first.tasks ?? [])];
  let token = first.next_page_token;
  while (token) {
    const page = await apiGet<Run & { next_page_token?: string }>('jobs/runs/get', { run_id: runId, page_token: token });
    tasks.push(...(page.tasks ?? []));
    token = page.next_page_token;
  }
  const { next_page_token: _token, ...run } = first;
  return { ...run, tasks };
}

/** A run from runs/get (every page of tasks), polled every second while it is active; `reload` fetches it again at once. */
export function useRunPoll(runId: number): { run: Run | null; error: unknown; reload: () => void } {
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const r = await fetchFullRun(runId);
        if (!live) return;
        setRun(r);
        setError(null);
        if (isActive(r.state)) timer = setTimeout(() => void poll(), 1000);
      } catch (e) {
        if (live) setError(e);
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [runId, tick]);
  return { run, error, reload };
}
