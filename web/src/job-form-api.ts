import { apiGet } from './api-client.js';
import type { Job } from './api-types.js';

/** The settings arrays jobs/get (2.2) pages 100 entries at a time. */
const PAGED = ['tasks', 'job_clusters', 'parameters', 'environments'];

/**
 * A job with all of its settings: jobs/get answers at most 100 tasks (and job clusters, parameters, environments)
 * per call with next_page_token for the rest, and saving a first page with jobs/reset would drop the others.
 */
export async function fetchFullJob(jobId: number): Promise<Job> {
  const first = await apiGet<Job & { next_page_token?: string }>('jobs/get', { job_id: jobId });
  const settings: Record<string, unknown> = { ...first.settings };
  let token = first.next_page_token;
  while (token) {
    const page = await apiGet<Job & { next_page_token?: string }>('jobs/get', { job_id: jobId, page_token: token });
    for (const key of PAGED) {
      const more = page.settings[key];
      if (Array.isArray(more) && more.length) settings[key] = [...((settings[key] as unknown[] | undefined) ?? []), ...more];
    }
    token = page.next_page_token;
  }
  const { next_page_token: _token, ...job } = first;
  return { ...job, settings };
}
