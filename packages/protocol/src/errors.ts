/**
 * Error codes that cross a door (psrpc and Twirp use the same strings). Each maps to one HTTP
 * status; this table is the only place that knows them.
 */
export const ERROR_CODES = {
  ok: 200,
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  malformed: 400,
  not_found: 404,
  not_acceptable: 406,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  deadline_exceeded: 504,
  bad_route: 404,
  data_loss: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The shape an error takes between processes and through queues. */
export interface EgressErrorJson {
  code: ErrorCode;
  message: string;
  details?: Record<string, string>;
}

/** HTTP status for a code; `unknown` gives 500. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code];
}

/**
 * `EgressInfo.errorCode` for a code, as the Go version sets it: 400, 403, 404, 412, 503, 500;
 * `unknown` leaves 0 (egress-go-behavior.md §2).
 */
export function egressErrorCodeOf(code: ErrorCode): number {
  return code === 'unknown' ? 0 : ERROR_CODES[code];
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/**
 * The one error that crosses a door. Its message must never hold a secret (token, API secret,
 * storage key, stream key or full stream URL).
 */
export class EgressError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EgressError';
    this.code = code;
    this.details = options.details;
  }

  /** HTTP status of this error's code. */
  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  toJSON(): EgressErrorJson {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }

  /** Rebuilds an error that travelled as JSON; anything unparseable becomes `internal`. */
  static fromJSON(value: unknown): EgressError {
    if (typeof value === 'object' && value !== null) {
      const v = value as Record<string, unknown>;
      if (isErrorCode(v.code) && typeof v.message === 'string') {
        const details =
          typeof v.details === 'object' && v.details !== null
            ? (Object.fromEntries(
                Object.entries(v.details).filter(([, d]) => typeof d === 'string'),
              ) as Record<string, string>)
            : undefined;
        return new EgressError(v.code, v.message, details ? { details } : {});
      }
    }
    return new EgressError('internal', 'malformed error payload');
  }

  /**
   * Converts anything thrown into an EgressError. A foreign error becomes `internal` with a
   * generic message, because its text may hold secrets; the original stays as `cause` for logs.
   */
  static from(err: unknown, fallbackMessage = 'internal error'): EgressError {
    if (err instanceof EgressError) return err;
    return new EgressError('internal', fallbackMessage, { cause: err });
  }

  static invalidArgument(message: string, details?: Record<string, string>): EgressError {
    return new EgressError('invalid_argument', message, details ? { details } : {});
  }
  static notFound(message: string): EgressError {
    return new EgressError('not_found', message);
  }
  static alreadyExists(message: string): EgressError {
    return new EgressError('already_exists', message);
  }
  static failedPrecondition(message: string): EgressError {
    return new EgressError('failed_precondition', message);
  }
  static permissionDenied(message: string): EgressError {
    return new EgressError('permission_denied', message);
  }
  static unauthenticated(message: string): EgressError {
    return new EgressError('unauthenticated', message);
  }
  static unavailable(message: string): EgressError {
    return new EgressError('unavailable', message);
  }
  static resourceExhausted(message: string): EgressError {
    return new EgressError('resource_exhausted', message);
  }
  static deadlineExceeded(message: string): EgressError {
    return new EgressError('deadline_exceeded', message);
  }
  static internal(message: string, cause?: unknown): EgressError {
    return new EgressError('internal', message, cause === undefined ? {} : { cause });
  }
}

/** Texts the Go version returns, matched exactly (egress-go-behavior.md §1-§2). */
export const GO_MESSAGES = {
  egressNotFound: 'egress not found',
  notEnoughCpu: 'not enough CPU',
  shuttingDown: 'server is shutting down',
  stopBeforeStart: 'Stop called before pipeline could start',
  startSignalNotReceived: 'Start signal not received',
  limitBeforeStartSignal: 'Session limit reached before start signal',
  sessionLimitReached: 'Session limit reached',
  handlerFailedToStart: 'handler failed to start',
  pipelineFrozen: 'pipeline frozen',
} as const;

/**
 * Go's `ErrCPUExhausted` (403): the error of an egress a node killed for overusing the CPU.
 * @param cores - the cores the egress used when it was killed
 */
export function cpuExhaustedError(cores: number): EgressError {
  return EgressError.permissionDenied(`CPU exhausted: ${cores.toFixed(2)} cores used`);
}

/**
 * Go's `ErrOOM` (403): the error of the egress a node over `cpu_cost.max_memory` killed.
 * @param usedGb - the node's memory use that triggered the kill, in GiB
 */
export function outOfMemoryError(usedGb: number): EgressError {
  return EgressError.permissionDenied(`OOM: ${usedGb.toFixed(2)} GB used`);
}
