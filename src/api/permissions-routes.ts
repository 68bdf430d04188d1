import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ADMINS_GROUP, isAdmin, parseAclRequest, type AclSubject } from '../auth/job-permissions.js';
import { JOB_PERMISSION_LEVELS, PERMISSION_LEVEL_DESCRIPTIONS, type AclEntry } from '../domain/permission-level.js';
import { WeirError } from '../domain/weir-error.js';
import { IntLike } from '../domain/wire.js';
import type { ApiDeps } from './app.js';
import { principalOf } from './auth.js';
import { invalidParameter, jobNotFound, runNotFound } from './errors.js';
import { handle } from './handle.js';
import { jobSubject, permissionsOf, requireLevel, runSubject } from './job-permission-guard.js';
import { parseParams, type Params } from './params.js';

/** Body of PUT and PATCH /api/2.0/permissions/jobs/{job_id}. */
export const SetPermissionsParams = z.object({ access_control_list: z.array(z.unknown()).optional() });
/** Parameters of the weir extension GET /api/2.2/weir/permissions/jobs/me: a job, or a run (its job's level, or the one-time run's). */
export const MyLevelParams = z.object({ job_id: IntLike.optional(), run_id: IntLike.optional(), job_ids: z.string().optional() });

/** Most jobs one `me?job_ids=` call answers: a page of the jobs list. */
const MAX_JOB_IDS = 100;

const NAME_FIELD = { user: 'user_name', group: 'group_name', service_principal: 'service_principal_name' } as const;

/** The Permissions API form of a job's ACL: direct entries, plus the admins group's inherited CAN_MANAGE. */
export function wireJobPermissions(jobId: number, acl: AclEntry[]): Record<string, unknown> {
  const direct = acl.map((e) => ({
    [NAME_FIELD[e.principal_type]]: e.principal_name,
    ...(e.principal_type === 'group' ? {} : { display_name: e.principal_name }),
    all_permissions: [{ permission_level: e.permission_level, inherited: false }],
  }));
  const admins = { group_name: ADMINS_GROUP, all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] }] };
  return { object_id: `/jobs/${jobId}`, object_type: 'job', access_control_list: [...direct, admins] };
}

function jobIdOf(c: Context): number {
  const raw = c.req.param('job_id') ?? '';
  if (!/^\d+$/.test(raw)) throw invalidParameter(`job_id: "${raw}" in the path is not a job id; call /api/2.0/permissions/jobs/<numeric job_id>`);
  return Number(raw);
}

async function jobAndSubject(deps: ApiDeps, c: Context): Promise<{ jobId: number; subject: AclSubject }> {
  const jobId = jobIdOf(c);
  return { jobId, ...(await jobAndSubjectById(deps, jobId)) };
}

/** Service principals named in an ACL must exist (users are whoever holds a token, so any user name is accepted). */
async function checkPrincipals(deps: ApiDeps, entries: AclEntry[]): Promise<void> {
  const sps = entries.filter((e) => e.principal_type === 'service_principal');
  if (!sps.length || !deps.servicePrincipals) return;
  const known = new Set((await deps.servicePrincipals.list()).map((sp) => sp.application_id));
  const missing = sps.find((e) => !known.has(e.principal_name));
  if (missing) throw new WeirError('VALIDATION.INVALID', `access_control_list: service principal "${missing.principal_name}" does not exist; name it by its application id (GET /api/2.0/preview/scim/v2/ServicePrincipals).`);
}

/** Changing who owns a job is for its owner and admins; CAN_MANAGE holders may change every other entry. */
async function writeAcl(deps: ApiDeps, c: Context, p: Params, apply: (s: AclSubject, entries: AclEntry[]) => Promise<void>): Promise<Record<string, unknown>> {
  const { jobId, subject } = await jobAndSubject(deps, c);
  const has = await requireLevel(deps, c, subject, 'CAN_MANAGE', 'change the permissions of', `job ${jobId}`);
  const entries = parseAclRequest(parseParams(SetPermissionsParams, p).access_control_list, 'access_control_list');
  await checkPrincipals(deps, entries);
  const perms = permissionsOf(deps);
  const owner = (await perms.aclOf(subject)).find((e) => e.permission_level === 'IS_OWNER');
  const newOwner = entries.find((e) => e.permission_level === 'IS_OWNER');
  const { userName } = principalOf(c);
  if (newOwner && newOwner.principal_name !== owner?.principal_name && has !== 'IS_OWNER' && !isAdmin(userName)) {
    throw new WeirError('AUTH.PERMISSION_DENIED', `${userName} may not change the owner of job ${jobId} (needs IS_OWNER; has ${has}); ask its owner ${owner?.principal_name ?? ''} or an admin.`);
  }
  await apply(subject, entries);
  return wireJobPermissions(jobId, await perms.aclOf(subject));
}

/** The level the caller holds on a job or a run's job (weir extension for the UI: what to offer). */
async function myLevel(deps: ApiDeps, c: Context, p: Params): Promise<Record<string, unknown>> {
  const q = parseParams(MyLevelParams, p);
  const { userName } = principalOf(c);
  if (q.job_ids !== undefined) return { user_name: userName, is_admin: isAdmin(userName), permission_levels: await levelsOfJobs(deps, userName, q.job_ids) };
  let subject: AclSubject;
  if (q.job_id !== undefined) subject = (await jobAndSubjectById(deps, q.job_id)).subject;
  else if (q.run_id !== undefined) {
    const tr = await deps.store.getTaskRun(q.run_id);
    const run = await deps.store.getRun(tr ? tr.run_id : q.run_id);
    if (!run) throw runNotFound(q.run_id);
    subject = await runSubject(deps, run);
  } else throw invalidParameter('pass job_id, run_id or job_ids: GET /api/2.2/weir/permissions/jobs/me?job_id=<id>');
  const level = await permissionsOf(deps).levelOf(userName, subject);
  return { user_name: userName, is_admin: isAdmin(userName), ...(level ? { permission_level: level } : {}) };
}

/** The caller's level on each of up to MAX_JOB_IDS jobs (`job_ids=1,2,3`), by job id; jobs without a level are left out. */
async function levelsOfJobs(deps: ApiDeps, userName: string, list: string): Promise<Record<string, string>> {
  const ids = list.split(',').filter((x) => x.trim() !== '').map((x) => Number(x.trim()));
  if (ids.some((id) => !Number.isSafeInteger(id) || id < 0)) throw invalidParameter(`job_ids: "${list}" is not a comma-separated list of job ids`);
  if (ids.length > MAX_JOB_IDS) throw invalidParameter(`job_ids: ${ids.length} ids; ask for at most ${MAX_JOB_IDS} at a time`);
  const jobs = (await Promise.all(ids.map((id) => deps.store.getJob(id)))).filter((j) => j !== undefined);
  const levels = await permissionsOf(deps).levelsOf(userName, jobs.map(jobSubject));
  const out: Record<string, string> = {};
  for (const [id, level] of levels) if (level) out[String(id)] = level;
  return out;
}

async function jobAndSubjectById(deps: ApiDeps, jobId: number): Promise<{ subject: AclSubject }> {
  const job = await deps.store.getJob(jobId);
  if (!job) throw jobNotFound(jobId);
  return { subject: jobSubject(job) };
}

/**
 * Permissions API for jobs (`GET/PUT/PATCH /api/2.0/permissions/jobs/{job_id}`, `…/permissionLevels`) and the weir
 * extension `GET /api/2.2/weir/permissions/jobs/me`; mount under /api.
 */
export function permissionsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const base = '/2.0/permissions/jobs/:job_id';
  app.get('/2.2/weir/permissions/jobs/me', handle((p, c) => myLevel(deps, c, p)));
  app.get(`${base}/permissionLevels`, handle(async (_p, c) => {
    const { jobId, subject } = await jobAndSubject(deps, c);
    await requireLevel(deps, c, subject, 'CAN_VIEW', 'view', `job ${jobId}`);
    return { permission_levels: JOB_PERMISSION_LEVELS.map((l) => ({ permission_level: l, description: PERMISSION_LEVEL_DESCRIPTIONS[l] })) };
  }));
  app.get(base, handle(async (_p, c) => {
    const { jobId, subject } = await jobAndSubject(deps, c);
    await requireLevel(deps, c, subject, 'CAN_VIEW', 'view the permissions of', `job ${jobId}`);
    return wireJobPermissions(jobId, await permissionsOf(deps).aclOf(subject));
  }));
  app.put(base, handle((p, c) => writeAcl(deps, c, p, (s, e) => permissionsOf(deps).replace(s, e))));
  app.patch(base, handle((p, c) => writeAcl(deps, c, p, (s, e) => permissionsOf(deps).update(s, e))));
  return app;
}
