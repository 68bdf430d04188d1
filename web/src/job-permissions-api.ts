import { apiGet, ApiCallError, storedToken } from './api-client.js';

/** Job permission levels, lowest first (each includes what the ones before it allow). */
export const JOB_LEVELS = ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER'] as const;
/** A job permission level. */
export type JobLevel = (typeof JOB_LEVELS)[number];

/** Whether `has` allows what `needs` requires (no level allows nothing). */
export function levelAllows(has: JobLevel | undefined, needs: JobLevel): boolean {
  return has !== undefined && JOB_LEVELS.indexOf(has) >= JOB_LEVELS.indexOf(needs);
}

/** One entry of a job's ACL as GET /api/2.0/permissions/jobs/{id} answers it. */
export interface AclEntryWire {
  user_name?: string;
  group_name?: string;
  service_principal_name?: string;
  all_permissions?: Array<{ permission_level: JobLevel; inherited?: boolean }>;
}

/** A job's permissions (Permissions API). */
export interface JobPermissionsWire {
  object_id: string;
  access_control_list?: AclEntryWire[];
}

/** The caller's level on a job or a run's job (weir extension `GET /api/2.2/weir/permissions/jobs/me`). */
export interface MyLevel {
  user_name: string;
  is_admin: boolean;
  permission_level?: JobLevel;
  permission_levels?: Record<string, JobLevel>;
}

/** GET the caller's level: by job_id, run_id, or job_ids (comma-separated, at most 100). */
export function fetchMyLevel(q: { job_id?: number; run_id?: number; job_ids?: string }): Promise<MyLevel> {
  return apiGet<MyLevel>('weir/permissions/jobs/me', q);
}

/** GET a job's ACL. */
export function fetchJobAcl(jobId: number): Promise<JobPermissionsWire> {
  return apiGet<JobPermissionsWire>(`2.0/permissions/jobs/${jobId}`);
}

/** PATCH a job's ACL: sets the level of each named principal, keeping the other entries. */
export async function patchJobAcl(jobId: number, entries: Array<Record<string, string>>): Promise<JobPermissionsWire> {
  // api-client.ts offers GET and POST only; this PATCH authenticates the same way (typed token, else the session cookie).
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = storedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`/api/2.0/permissions/jobs/${jobId}`, { method: 'PATCH', headers, credentials: 'same-origin', body: JSON.stringify({ access_control_list: entries }) });
  const body = (await r.json().catch(() => ({}))) as JobPermissionsWire & { error_code?: string; message?: string };
  if (!r.ok) throw new ApiCallError(r.status, body.error_code ?? `HTTP_${r.status}`, body.message ?? r.statusText);
  return body;
}
