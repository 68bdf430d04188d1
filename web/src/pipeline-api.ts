import { apiGet, apiPost } from './api-client.js';

/** Wire types of the Pipelines API 2.0 that the UI reads (only the fields it uses). */

/** One of `latest_updates` of a pipeline. */
export interface UpdateStateInfo {
  update_id: string;
  state: string;
  creation_time: string;
}

/** A pipeline of GET /pipelines (PipelineStateInfo) and GET /pipelines/{id}. */
export interface PipelineInfo {
  pipeline_id: string;
  name?: string;
  state: string;
  health?: string;
  creator_user_name?: string;
  latest_updates?: UpdateStateInfo[];
  spec?: Record<string, unknown>;
  cause?: string;
}

/** An update (UpdateInfo). */
export interface UpdateInfo {
  update_id: string;
  pipeline_id: string;
  state: string;
  cause: string;
  creation_time: number;
  full_refresh?: boolean;
  refresh_selection?: string[];
  full_refresh_selection?: string[];
  validate_only?: boolean;
}

/** An event of the pipeline event log (PipelineEvent). */
export interface PipelineEvent {
  id: string;
  timestamp: string;
  level: string;
  event_type: string;
  message: string;
  origin: { update_id?: string; flow_name?: string; dataset_name?: string; [k: string]: unknown };
  details: Record<string, unknown>;
  error?: { fatal?: boolean; exceptions?: { class_name?: string; message?: string }[] };
}

/** A page of the event log. */
export interface EventsPage {
  events: PipelineEvent[];
  next_page_token?: string;
  prev_page_token?: string;
}

/** The body of POST /pipelines/{id}/updates (StartUpdate). */
export interface StartUpdate {
  full_refresh?: boolean;
  refresh_selection?: string[];
  full_refresh_selection?: string[];
  validate_only?: boolean;
}

// api-client.ts prefixes /api/2.2/ (the Jobs API); the Pipelines API lives under /api/2.0/, and the browser's URL
// parser resolves the `..` before the request is sent.
const V20 = '2.0/';

/** GET /api/2.0/<path>. */
export function pipelinesGet<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> {
  return apiGet<T>(V20 + path, query);
}

/** POST /api/2.0/<path>. */
export function pipelinesPost<T>(path: string, body: unknown): Promise<T> {
  return apiPost<T>(V20 + path, body);
}

/** Starts an update; answers its id. */
export async function startUpdate(pipelineId: string, body: StartUpdate): Promise<string> {
  return (await pipelinesPost<{ update_id: string }>(`pipelines/${pipelineId}/updates`, body)).update_id;
}

/** A quoted string of the event filter grammar. */
export function quoted(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** Most pages an "all events of …" read follows (1,000 events each), so a huge update cannot stall the page. */
export const MAX_EVENT_PAGES = 10;

/**
 * Every event matching `filter` (oldest first), following next_page_token up to MAX_EVENT_PAGES pages of 1,000;
 * `truncated` says whether more were left.
 */
export async function readEvents(pipelineId: string, filter: string): Promise<{ events: PipelineEvent[]; truncated: boolean }> {
  const events: PipelineEvent[] = [];
  let page = await pipelinesGet<EventsPage>(`pipelines/${pipelineId}/events`, { filter, order_by: 'timestamp asc', max_results: 1000 });
  for (let n = 1; ; n++) {
    events.push(...page.events);
    if (!page.next_page_token) return { events, truncated: false };
    if (n >= MAX_EVENT_PAGES) return { events, truncated: true };
    page = await pipelinesGet<EventsPage>(`pipelines/${pipelineId}/events`, { page_token: page.next_page_token, max_results: 1000 });
  }
}

/** True while an update may still change (not COMPLETED, FAILED or CANCELED). */
export function isActiveUpdate(state: string | undefined): boolean {
  return !!state && !['COMPLETED', 'FAILED', 'CANCELED'].includes(state);
}
