import { writeFailureReason } from '../identity/db-write-health.js';

/** Error codes the hub's APIs answer with; each area renders them in its own documented body. */
export const ERROR_STATUS = {
  INVALID_PARAMETER: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  PROMETHEUS_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error a route throws on purpose: the area's error handler turns it into its documented body. */
export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = ERROR_STATUS[code];
  }
}

/** 400 naming the parameter (the standards ask every bad value to name its field). */
export function invalidParameter(parameter: string, message: string): ApiError {
  return new ApiError('INVALID_PARAMETER', `${parameter}: ${message}`, { parameter });
}

export function notFound(what: string): ApiError {
  return new ApiError('NOT_FOUND', `${what} not found`);
}

interface FastifyValidationItem {
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/**
 * Any error thrown while serving a request, as an ApiError: Fastify's schema
 * validation failures become INVALID_PARAMETER naming the field, body parse
 * failures INVALID_PARAMETER on `body`, a URL the router cannot take
 * INVALID_PARAMETER on `path`, a write hub.db cannot take (read-only, disk
 * full, locked) SERVICE_UNAVAILABLE with the store's state, as a login
 * answers then, and anything unexpected INTERNAL_ERROR (its message stays in
 * the log, not in the response).
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { validation?: FastifyValidationItem[]; validationContext?: string; statusCode?: number; code?: string; message?: string };
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    const first = e.validation[0]!;
    const where = e.validationContext ?? 'request';
    const path = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const missing = typeof first.params?.missingProperty === 'string' ? first.params.missingProperty : '';
    const additional = typeof first.params?.additionalProperty === 'string' ? first.params.additionalProperty : '';
    const field = [path, missing || additional].filter(Boolean).join('.') || where;
    const message = additional ? 'unknown field' : (first.message ?? 'invalid value');
    return invalidParameter(field, message);
  }
  // The router's own refusals (frameworkErrors): a path segment that is not valid percent-encoding or longer than a parameter may be.
  if (e.code === 'FST_ERR_BAD_URL') return invalidParameter('path', 'not a valid URL component');
  if (e.code === 'FST_ERR_MAX_PARAM_LENGTH') return invalidParameter('path', 'a path parameter is too long');
  if (e.statusCode === 413) return new ApiError('PAYLOAD_TOO_LARGE', 'request body too large');
  if (e.statusCode === 415) return invalidParameter('content-type', e.message ?? 'unsupported media type');
  if (e.statusCode === 429) return new ApiError('RATE_LIMITED', e.message ?? 'too many requests');
  if (e.statusCode === 404) return new ApiError('NOT_FOUND', e.message ?? 'not found');
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return invalidParameter('body', e.message ?? 'bad request');
  const storeFailure = writeFailureReason(err);
  if (storeFailure !== null) return new ApiError('SERVICE_UNAVAILABLE', `the hub's store takes no writes (${storeFailure}); try again later`, { store: 'degraded', reason: storeFailure });
  return new ApiError('INTERNAL_ERROR', 'internal error');
}
