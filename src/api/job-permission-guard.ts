import type { Context } from 'hono';
import { isAdmin, type AclSubject, type JobPermissions } from '../auth/job-permissions.js';
import { levelAllows, type PermissionLevel } from '../domain/permission-level.js';
import { WeirError } from '../domain/weir-error.js';
import type { JobRecord, RunRecord } from '../store/records.js';
import type { ApiDeps } from './app.js';
import { principalOf } from './auth.js';
import { handle } from './handle.js';
import { encodePageToken, type Params } from './params.js';

/** How a route finds the object it acts on, and the level it needs there (undefined: any caller; lists filter). */
interface RouteRule {
  needs?: PermissionLevel;
  /** The parameter naming the job or the run (a task run id resolves to its run); absent ids are left to the handler. */
  target?: 'job_id' | 'run_id';
  /** The verb of the refusal message: "alice may not <verb> job 12". */
  verb: string;
  /** Without the target parameter only an admin may call the route (cancel-all over every job). */
  adminWithoutTarget?: boolean;
}

/** Every job and run route, by path below /api/<version>/: the one table of who may do what (docs/api.md, Permissions). */
export const JOB_ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  'jobs/create': { verb: 'create jobs' },
  'jobs/list': { verb: 'list jobs' },
  'jobs/runs/submit': { verb: 'submit runs' },
  'jobs/get': { needs: 'CAN_VIEW', target: 'job_id', verb: 'view' },
  'jobs/runs/list': { needs: 'CAN_VIEW', target: 'job_id', verb: 'list the runs of' },
  'jobs/runs/get': { needs: 'CAN_VIEW', target: 'run_id', verb: 'view' },
  'jobs/runs/get-output': { needs: 'CAN_VIEW', target: 'run_id', verb: 'read the output of' },
  'jobs/runs/export': { needs: 'CAN_VIEW', target: 'run_id', verb: 'export' },
  'jobs/runs/logs': { needs: 'CAN_VIEW', target: 'run_id', verb: 'read the logs of' },
  'jobs/runs/logs/stream': { needs: 'CAN_VIEW', target: 'run_id', verb: 'read the logs of' },
  'jobs/run-now': { needs: 'CAN_MANAGE_RUN', target: 'job_id', verb: 'run' },
  'jobs/runs/cancel': { needs: 'CAN_MANAGE_RUN', target: 'run_id', verb: 'cancel' },
  'jobs/runs/cancel-all': { needs: 'CAN_MANAGE_RUN', target: 'job_id', verb: 'cancel the runs of', adminWithoutTarget: true },
  'jobs/runs/repair': { needs: 'CAN_MANAGE_RUN', target: 'run_id', verb: 'repair' },
  'jobs/update': { needs: 'CAN_MANAGE', target: 'job_id', verb: 'edit' },
  'jobs/reset': { needs: 'CAN_MANAGE', target: 'job_id', verb: 'edit' },
  'jobs/delete': { needs: 'CAN_MANAGE', target: 'job_id', verb: 'delete' },
  'jobs/runs/delete': { needs: 'CAN_MANAGE', target: 'run_id', verb: 'delete' },
  'jobs/schedule/next': { needs: 'CAN_VIEW', target: 'job_id', verb: 'view the schedule of' },
  'jobs/backfill': { needs: 'CAN_MANAGE_RUN', target: 'job_id', verb: 'backfill' },
  'jobs/cost': { needs: 'CAN_VIEW', target: 'job_id', verb: 'view the cost of' },
  'jobs/runs/notifications': { needs: 'CAN_VIEW', target: 'run_id', verb: 'view the notifications of' },
  'weir/runs/iterations': { needs: 'CAN_VIEW', target: 'run_id', verb: 'view the iterations of' },
  // No rule, so admin only: jobs/backfills/get|cancel (a backfill id names no job here) and
  // weir/operations/summary (aggregates over every job).
};

/** Raw rows a filtered list reads at most per request, so a caller who sees few objects cannot make one call scan everything. */
export const MAX_SCAN = 1000;
const SCAN_PAGE = 100;

/** The job permissions of an API (createApiApp always sets them). */
export function permissionsOf(deps: ApiDeps): JobPermissions {
  if (!deps.permissions) throw new Error('ApiDeps.permissions is not set: build the API with createApiApp');
  return deps.permissions;
}

/** The ACL subject of a job. */
export const jobSubject = (job: Pick<JobRecord, 'job_id' | 'creator_user_name'>): AclSubject => ({ object: { object_type: 'job', object_id: job.job_id }, creator: job.creator_user_name });

/** The ACL subject of a run: its job's, or for a one-time run its own (a run started by a one-time run's task follows that run). */
export async function runSubject(deps: ApiDeps, run: RunRecord, jobs = new Map<number, Promise<JobRecord | undefined>>()): Promise<AclSubject & { job?: JobRecord }> {
  let r: RunRecord | undefined = run;
  for (let depth = 0; r && depth < 10; depth++) {
    if (r.job_id !== null) {
      // A page of runs mostly repeats a few jobs: read each once.
      if (!jobs.has(r.job_id)) jobs.set(r.job_id, deps.store.getJob(r.job_id));
      const job = await jobs.get(r.job_id);
      return job ? { ...jobSubject(job), job } : { object: { object_type: 'job', object_id: r.job_id } };
    }
    if (r.parent_task_run_id === null) break;
    const parent = await deps.store.getTaskRun(r.parent_task_run_id);
    r = parent ? await deps.store.getRun(parent.run_id) : undefined;
  }
  return { object: { object_type: 'run', object_id: (r ?? run).run_id } };
}

/** Throws 403 PERMISSION_DENIED unless the caller holds `needs` on the subject; `what` names it ("job 12", "run 40 of job 12"). */
export async function requireLevel(deps: ApiDeps, c: Context, subject: AclSubject, needs: PermissionLevel, verb: string, what: string): Promise<PermissionLevel | undefined> {
  const { userName } = principalOf(c);
  const has = await permissionsOf(deps).levelOf(userName, subject);
  if (!levelAllows(has, needs)) {
    throw new WeirError('AUTH.PERMISSION_DENIED', `${userName} may not ${verb} ${what} (needs ${needs}; has ${has ?? 'no permission'}). Ask an owner or CAN_MANAGE holder to grant it (PUT or PATCH /api/2.0/permissions/jobs/{job_id}) or use the admin token.`, { params: { user_name: userName, needs, has: has ?? null } });
  }
  return has;
}

/** Applies the route's rule of JOB_ROUTE_RULES to one request; unknown routes are refused to all but admins. */
export async function checkJobRoute(deps: ApiDeps, c: Context, p: Params): Promise<void> {
  const { userName } = principalOf(c);
  if (isAdmin(userName)) return;
  const route = c.req.path.replace(/^\/api\/[\d.]+\//, '');
  const rule = JOB_ROUTE_RULES[route];
  if (!rule) throw new WeirError('AUTH.PERMISSION_DENIED', `${userName} may not call ${route}: it has no permission rule yet, so only the workspace admin may (use the admin token).`);
  if (!rule.needs || !rule.target) return;
  const id = Number(p[rule.target]);
  if (p[rule.target] === undefined || !Number.isSafeInteger(id)) {
    if (rule.adminWithoutTarget && p[rule.target] === undefined) throw new WeirError('AUTH.PERMISSION_DENIED', `${userName} may not ${rule.verb} every job (needs workspace admin); pass job_id.`);
    return;
  }
  if (rule.target === 'job_id') {
    const job = await deps.store.getJob(id);
    if (job) await requireLevel(deps, c, jobSubject(job), rule.needs, rule.verb, `job ${id}`);
    return;
  }
  const tr = await deps.store.getTaskRun(id);
  const run = await deps.store.getRun(tr ? tr.run_id : id);
  if (!run) return;
  const s = await runSubject(deps, run);
  const what = s.object.object_type === 'job' ? `run ${run.run_id} of job ${s.object.object_id}` : `one-time run ${run.run_id}`;
  await requireLevel(deps, c, s, rule.needs, rule.verb, what);
}

/** `handle` with JOB_ROUTE_RULES checked before the endpoint runs: jobs-routes and runs-routes use it in place of handle. */
export function guardedHandle(deps: ApiDeps): typeof handle {
  return (fn) =>
    handle(async (p, c) => {
      await checkJobRoute(deps, c, p);
      return fn(p, c);
    });
}

/** A page of a filtered list and its links: offsets count raw rows, so the next page starts where this scan stopped. */
interface ScanPage<T> {
  items: T[];
  links: Record<string, unknown>;
}

/**
 * Pages through `read` (raw rows in list order) keeping what `keep` allows, until `limit` are kept or MAX_SCAN rows
 * were read. next_page_token is the raw position reached, so a page may hold fewer than `limit` items.
 */
async function scan<T>(offset: number, limit: number, read: (offset: number, limit: number) => Promise<{ rows: T[]; hasMore: boolean }>, keep: (rows: T[]) => Promise<boolean[]>): Promise<ScanPage<T>> {
  const items: T[] = [];
  let pos = offset;
  let more = true;
  while (items.length < limit && more && pos - offset < MAX_SCAN) {
    const page = await read(pos, SCAN_PAGE);
    const kept = await keep(page.rows);
    let i = 0;
    for (; i < page.rows.length && items.length < limit; i++) if (kept[i]) items.push(page.rows[i]!);
    pos += i;
    more = i < page.rows.length || page.hasMore;
  }
  const links: Record<string, unknown> = more ? { has_more: true, next_page_token: encodePageToken(pos) } : {};
  if (offset > 0) links.prev_page_token = encodePageToken(0);
  return { items, links };
}

/** jobs/list for a non-admin: the jobs the caller may view (admins call the store directly). */
export async function visibleJobs(deps: ApiDeps, userName: string, q: { name?: string; offset: number; limit: number }): Promise<ScanPage<JobRecord>> {
  const perms = permissionsOf(deps);
  return scan(
    q.offset,
    q.limit,
    async (offset, limit) => {
      const r = await deps.store.listJobs({ name: q.name, offset, limit });
      return { rows: r.jobs, hasMore: r.hasMore };
    },
    async (jobs) => {
      const levels = await perms.levelsOf(userName, jobs.map(jobSubject));
      return jobs.map((j) => levels.get(j.job_id) !== undefined);
    },
  );
}

/** runs/list without job_id for a non-admin: runs of jobs the caller may view, and its own one-time runs. */
export async function visibleRuns(deps: ApiDeps, userName: string, read: (offset: number, limit: number) => Promise<{ runs: RunRecord[]; hasMore: boolean }>, q: { offset: number; limit: number }): Promise<ScanPage<RunRecord>> {
  const perms = permissionsOf(deps);
  return scan(
    q.offset,
    q.limit,
    async (offset, limit) => {
      const r = await read(offset, limit);
      return { rows: r.runs, hasMore: r.hasMore };
    },
    async (runs) => {
      const jobs = new Map<number, Promise<JobRecord | undefined>>();
      const subjects = await Promise.all(runs.map((r) => runSubject(deps, r, jobs)));
      const ofType = (t: 'job' | 'run') => subjects.filter((s) => s.object.object_type === t);
      const [onJobs, oneTime] = await Promise.all([perms.levelsOf(userName, dedupeSubjects(ofType('job'))), perms.levelsOf(userName, ofType('run'))]);
      return subjects.map((s) => (s.object.object_type === 'job' ? onJobs : oneTime).get(s.object.object_id) !== undefined);
    },
  );
}

function dedupeSubjects(subjects: AclSubject[]): AclSubject[] {
  const seen = new Map<number, AclSubject>();
  for (const s of subjects) seen.set(s.object.object_id, s);
  return [...seen.values()];
}
