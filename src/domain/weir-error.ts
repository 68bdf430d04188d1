/** Stable error codes; tests and the API's error mapping rely on them. */
export type WeirErrorCode =
  | 'VALIDATION.INVALID'
  | 'JOB.NOT_FOUND'
  | 'JOB.DUPLICATE_TASK_KEY'
  | 'JOB.UNKNOWN_DEPENDENCY'
  | 'JOB.CYCLE'
  | 'JOB.OUTCOME_ON_NON_CONDITION'
  | 'JOB.INVALID_FOR_EACH'
  | 'JOB.TASK_KIND'
  | 'JOB.FILE'
  | 'RUN.NOT_FOUND'
  | 'RUN.INVALID_STATE'
  | 'RUN.REFERENCE'
  | 'RUN.PARAMETER'
  | 'TASK.FAILED'
  | 'TASK.NOT_SUPPORTED'
  | 'SQL.FAILED'
  | 'SQL.SYNTAX'
  | 'SQL.UNSUPPORTED_FUNCTION'
  | 'SQL.UNSUPPORTED_SYNTAX'
  | 'SQL.UNKNOWN_VARIABLE'
  | 'SCHEDULE.INVALID_CRON'
  | 'SCHEDULE.INVALID_TIMEZONE'
  | 'SCHEDULE.BACKFILL'
  | 'PIPELINE.SYNTAX'
  | 'PIPELINE.NOT_FOUND'
  | 'PIPELINE.NAME_CONFLICT'
  | 'PIPELINE.UPDATE_ACTIVE'
  | 'PIPELINE.EXPECTATION_FAILED'
  | 'PIPELINE.FLOW_FAILED'
  | 'PIPELINE.SCHEMA_CHANGE'
  | 'PIPELINE.MALFORMED_INPUT'
  | 'PIPELINE.INVALID_DEFINITION'
  | 'PIPELINE.DUPLICATE_DATASET'
  | 'PIPELINE.DUPLICATE_FLOW'
  | 'PIPELINE.FLOW_NAME_CONFLICT'
  | 'PIPELINE.MULTIPLE_FLOWS'
  | 'PIPELINE.FLOW_TARGET_NOT_FOUND'
  | 'PIPELINE.DATASET_WITHOUT_FLOW'
  | 'PIPELINE.MISSING_INPUT'
  | 'PIPELINE.CYCLE'
  | 'PIPELINE.INCOMPATIBLE_READ'
  | 'PIPELINE.STREAMING_SOURCE_REQUIRED'
  | 'PIPELINE.AUTO_CDC_TARGET'
  | 'PIPELINE.TEMP_VIEW_REFERENCE'
  | 'AUTH.UNAUTHENTICATED'
  | 'AUTH.PERMISSION_DENIED'
  | 'TOKEN.NOT_FOUND'
  | 'AUTH.SERVICE_PRINCIPAL_NOT_FOUND'
  | 'SECRET.KEY'
  | 'SECRET.INVALID_NAME'
  | 'SECRET.SCOPE_EXISTS'
  | 'SECRET.NOT_FOUND'
  | 'WORKSPACE.INVALID_PATH'
  | 'WORKSPACE.NOT_FOUND'
  | 'WORKSPACE.EXISTS'
  | 'WORKSPACE.NOT_EMPTY'
  | 'DELTA.SCHEMA_MISMATCH'
  | 'DELTA.CONCURRENT_MODIFICATION'
  | 'DELTA.UNSUPPORTED_TYPE'
  | 'DELTA.TABLE_EXISTS'
  | 'DELTA.TABLE_NOT_FOUND'
  | 'DELTA.REPLACE_WHERE_MISMATCH'
  | 'DELTA.INVALID_PARTITION'
  | 'DELTA.UNSUPPORTED_FEATURE'
  | 'DELTA.LOG_CORRUPT'
  | 'DELTA.NOT_A_TABLE'
  | 'DELTA.VERSION_NOT_FOUND'
  | 'DELTA.RETENTION_TOO_SHORT'
  | 'DELTA.MERGE_MULTIPLE_MATCHES'
  | 'DELTA.FILE_NOT_FOUND'
  | 'NOTIFICATION.DELIVERY_FAILED'
  | 'NOTIFICATION.NOT_CONFIGURED'
  | 'NOTIFICATION.DESTINATION_NOT_FOUND'
  | 'CATALOG.NOT_FOUND'
  | 'CATALOG.ALREADY_EXISTS'
  | 'CATALOG.NOT_EMPTY'
  | 'CLUSTER.NOT_FOUND'
  | 'CLUSTER.INVALID_STATE'
  | 'CLUSTER.START_FAILED'
  | 'CLUSTER.POLICY_VIOLATION'
  | 'STORE.INVALID_URL'
  | 'STORE.UNAVAILABLE'
  | 'STORE.LOCKED'
  | 'INTERNAL';

/** The one error type of weir: a stable code, a message that says what/where/how to fix, params and a cause. */
export class WeirError extends Error {
  readonly code: WeirErrorCode;
  readonly params: Record<string, unknown>;
  /** Whether retrying the same operation can succeed (decided where thrown). */
  readonly retryable: boolean;

  constructor(
    code: WeirErrorCode,
    message: string,
    opts: { params?: Record<string, unknown>; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WeirError';
    this.code = code;
    this.params = opts.params ?? {};
    this.retryable = opts.retryable ?? false;
  }
}

/** True when `e` is a WeirError with the given code (or any code when omitted). */
export function isWeirError(e: unknown, code?: WeirErrorCode): e is WeirError {
  return e instanceof WeirError && (code === undefined || e.code === code);
}
