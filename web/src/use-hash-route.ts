import { useEffect, useState } from 'react';

/** A page of the UI, parsed from the URL hash (the same `#job/J/run/R` form as the API's run_page_url). */
export type Route = { page: 'jobs' } | { page: 'job'; jobId: number } | { page: 'run'; jobId: number; runId: number };

/** Parses a location hash into a route (the jobs list for anything unknown). */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'job' && parts[1]) {
    const jobId = Number(parts[1]);
    if (parts[2] === 'run' && parts[3]) return { page: 'run', jobId, runId: Number(parts[3]) };
    return { page: 'job', jobId };
  }
  return { page: 'jobs' };
}

/** The href of a route. */
export function hrefOf(r: Route): string {
  if (r.page === 'job') return `#job/${r.jobId}`;
  if (r.page === 'run') return `#job/${r.jobId}/run/${r.runId}`;
  return '#jobs';
}

/** The current route, following hash changes. */
export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
