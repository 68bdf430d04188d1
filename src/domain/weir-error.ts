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
