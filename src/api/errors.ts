import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { WeirError, type WeirErrorCode } from '../domain/weir-error.js';

/** An error raised by the API layer itself (bad JSON, bad page token, unknown route) with its HTTP shape. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The Databricks error body. */
export interface ErrorBody {
  error_code: string;
  message: string;
}

/** Codes that describe a wrong request: Databricks answers them 400 INVALID_PARAMETER_VALUE. */
const INVALID_PARAMETER_CODES: ReadonlySet<WeirErrorCode> = new Set<WeirErrorCode>([
  'VALIDATION.INVALID',
  'JOB.DUPLICATE_TASK_KEY',
  'JOB.UNKNOWN_DEPENDENCY',
  'JOB.CYCLE',
  'JOB.OUTCOME_ON_NON_CONDITION',
  'JOB.INVALID_FOR_EACH',
  'JOB.TASK_KIND',
  'JOB.FILE',
  'RUN.PARAMETER',
  'RUN.REFERENCE',
  'TASK.NOT_SUPPORTED',
  'SCHEDULE.INVALID_CRON',
  'SCHEDULE.INVALID_TIMEZONE',
  'SCHEDULE.BACKFILL',
  'CLUSTER.POLICY_VIOLATION',
]);

/** Auth, token, secret and workspace codes with the HTTP status and error_code Databricks answers them with. */
const RESOURCE_CODES: Partial<Record<WeirErrorCode, [ContentfulStatusCode, string]>> = {
  'AUTH.UNAUTHENTICATED': [401, 'UNAUTHENTICATED'],
  'AUTH.PERMISSION_DENIED': [403, 'PERMISSION_DENIED'],
  'TOKEN.NOT_FOUND': [404, 'RESOURCE_DOES_NOT_EXIST'],
  'AUTH.SERVICE_PRINCIPAL_NOT_FOUND': [404, 'RESOURCE_DOES_NOT_EXIST'],
  'SECRET.INVALID_NAME': [400, 'INVALID_PARAMETER_VALUE'],
  'SECRET.SCOPE_EXISTS': [409, 'RESOURCE_ALREADY_EXISTS'],
  'SECRET.NOT_FOUND': [404, 'RESOURCE_DOES_NOT_EXIST'],
  'WORKSPACE.INVALID_PATH': [400, 'INVALID_PARAMETER_VALUE'],
  'WORKSPACE.NOT_FOUND': [404, 'RESOURCE_DOES_NOT_EXIST'],
  'WORKSPACE.EXISTS': [409, 'RESOURCE_ALREADY_EXISTS'],
  'WORKSPACE.NOT_EMPTY': [400, 'DIRECTORY_NOT_EMPTY'],
  'PIPELINE.NOT_FOUND': [404, 'RESOURCE_DOES_NOT_EXIST'],
  'PIPELINE.NAME_CONFLICT': [409, 'RESOURCE_CONFLICT'],
  'PIPELINE.UPDATE_ACTIVE': [409, 'RESOURCE_CONFLICT'],
};

/**
 * Maps any thrown value to an HTTP status and a Databricks error body; the one place where domain errors
 * meet HTTP. Unknown errors are logged with their stack and answered 500 INTERNAL_ERROR.
 */
export function toErrorResponse(e: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (e instanceof ApiError) return { status: e.status, body: { error_code: e.errorCode, message: e.message } };
  if (e instanceof WeirError) {
    if (INVALID_PARAMETER_CODES.has(e.code)) return invalid(e.message);
    // Databricks' legacy quirk: a missing job or run is a 400, and SDKs remap it to "does not exist".
    if (e.code === 'JOB.NOT_FOUND') return invalid(notFoundMessage('Job', e.params.job_id, e.message));
    if (e.code === 'RUN.NOT_FOUND') return invalid(notFoundMessage('Run', e.params.run_id, e.message));
    // clusters/get of an unknown id is 400 INVALID_PARAMETER_VALUE "Cluster X does not exist" on Databricks too; the
    // SDKs remap it to ResourceDoesNotExist by that message (databricks-sdk-java ErrorOverrides).
    if (e.code === 'CLUSTER.NOT_FOUND') return invalid(e.message);
    if (e.code === 'RUN.INVALID_STATE' || e.code === 'CLUSTER.INVALID_STATE') return { status: 400, body: { error_code: 'INVALID_STATE', message: e.message } };
    const mapped = RESOURCE_CODES[e.code];
    if (mapped) return { status: mapped[0], body: { error_code: mapped[1], message: e.message } };
  }
  console.error('weir api: unexpected error', e instanceof Error ? e.stack : e);
  const message = e instanceof Error ? e.message : String(e);
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: message || 'Internal error' } };
}

function invalid(message: string): { status: ContentfulStatusCode; body: ErrorBody } {
  return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message } };
}

function notFoundMessage(kind: 'Job' | 'Run', id: unknown, fallback: string): string {
  return id === undefined || id === null ? fallback : `${kind} ${String(id)} does not exist.`;
}

/** A 400 INVALID_PARAMETER_VALUE raised by the API layer. */
export function invalidParameter(message: string): ApiError {
  return new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
}

/** RUN.NOT_FOUND for `runId`, worded as Databricks does. */
export function runNotFound(runId: number): WeirError {
  return new WeirError('RUN.NOT_FOUND', `Run ${runId} does not exist.`, { params: { run_id: runId } });
}

/** JOB.NOT_FOUND for `jobId`, worded as Databricks does. */
export function jobNotFound(jobId: number): WeirError {
  return new WeirError('JOB.NOT_FOUND', `Job ${jobId} does not exist.`, { params: { job_id: jobId } });
}
