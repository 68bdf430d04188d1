import type { MiddlewareHandler } from 'hono';
import { redactDeep } from '../secrets/redact-secrets.js';
import type { SecretService } from '../secrets/secret-service.js';
import type { RunStore } from '../store/ports/run-store.js';

/** Run endpoints whose answers can carry what a task printed or returned. */
const RUN_OUTPUT_PATH = /^\/api\/2\.[012]\/jobs\/runs\/(get-output|get|logs|export|list)$/;

/** Run ids a runs/list answer names. */
function listedIds(body: Record<string, unknown>): number[] {
  const runs = Array.isArray(body.runs) ? (body.runs as Record<string, unknown>[]) : [];
  return runs.map((r) => Number(r.run_id));
}

const isId = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

/**
 * Replaces every secret value a run used with `[REDACTED]` in the JSON answers of the run endpoints (outputs, error
 * messages, logs). Child processes write their logs straight to files, so redaction happens when they are served
 * rather than when they are written; the files in the data folder keep what the task printed.
 */
export function redactRunOutput(secrets: SecretService, store: RunStore): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!RUN_OUTPUT_PATH.test(c.req.path) || !c.res.headers.get('content-type')?.includes('application/json')) return;
    // The run_id in the query names the run (or task run) for every endpoint but runs/list; only when it is absent
    // (runs/list, or GET parameters sent as a JSON body) is the answer parsed to find the runs, keeping runs/get cheap.
    const queried = Number(c.req.query('run_id'));
    let body: Record<string, unknown> | undefined;
    const ids = isId(queried) && !c.req.path.endsWith('/list') ? [queried] : listedIds((body = (await c.res.clone().json()) as Record<string, unknown>));
    if (!isId(queried) && body && isId(Number(body.run_id))) ids.push(Number(body.run_id));
    const meta = body?.metadata as Record<string, unknown> | undefined;
    if (meta && isId(Number(meta.job_run_id))) ids.push(Number(meta.job_run_id));
    const values = new Set<string>();
    for (const id of new Set(ids.filter(isId))) {
      const runId = (await store.getTaskRun(id))?.run_id ?? id;
      for (const v of await secrets.valuesUsedByRun(runId)) values.add(v);
    }
    if (values.size === 0) return;
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    body ??= (await c.res.clone().json()) as Record<string, unknown>;
    c.res = new Response(JSON.stringify(redactDeep(body, [...values])), { status: c.res.status, headers });
  };
}
