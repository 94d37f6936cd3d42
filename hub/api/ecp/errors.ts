import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, toApiError } from '../errors.js';

/** An ECP error with the seed's custom code (TENANT_NOT_FOUND, INVALID_PRESET, …) and its status. */
export class EcpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'EcpError';
  }
}

export const tenantNotFound = (tenantId: string) => new EcpError(404, 'TENANT_NOT_FOUND', `tenant ${tenantId} not found`, { tenant_id: tenantId });
/** 422: a request that parsed but does not make sense (the seed's "검증 실패"), naming the field. */
export const validationError = (field: string, message: string) => new EcpError(422, 'VALIDATION_ERROR', `${field}: ${message}`, { field });
export const badRequest = (field: string, message: string) => new EcpError(400, 'BAD_REQUEST', `${field}: ${message}`, { field });

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const ids = new WeakMap<FastifyRequest, string>();

/** The request's id: the client's X-Request-ID when it is a plain token of at most 128 characters, else `req-<16 hex>`. */
export function requestIdOf(request: FastifyRequest): string {
  let id = ids.get(request);
  if (id === undefined) {
    const given = request.headers['x-request-id'];
    id = typeof given === 'string' && REQUEST_ID.test(given) ? given : `req-${randomBytes(8).toString('hex')}`;
    ids.set(request, id);
  }
  return id;
}

/** The shared codes in the ECP spelling; validation failures are 422 (the seed's table), other bad requests 400. */
function fromApiError(err: unknown): EcpError {
  if (err instanceof EcpError) return err;
  const validation = Array.isArray((err as { validation?: unknown }).validation);
  const e: ApiError = toApiError(err);
  const field = e.details?.parameter;
  if (e.code === 'INVALID_PARAMETER') {
    // additionalProperties: {not: {}} (schemas.ts) fails with ajv's "must NOT be valid": say what it means.
    return validation ? new EcpError(422, 'VALIDATION_ERROR', e.message.replace(/must NOT be valid$/, 'unknown field'), { field }) : new EcpError(400, 'BAD_REQUEST', e.message, { field });
  }
  const sqlite = (err as { code?: unknown }).code;
  if ((e.code === 'INTERNAL_ERROR' || e.code === 'SERVICE_UNAVAILABLE') && typeof sqlite === 'string' && sqlite.startsWith('SQLITE_')) {
    return new EcpError(sqlite.startsWith('SQLITE_BUSY') || sqlite.startsWith('SQLITE_FULL') || sqlite.startsWith('SQLITE_READONLY') ? 503 : 500, 'DATABASE_ERROR', 'hub.db could not be written or read');
  }
  return new EcpError(e.statusCode, e.code, e.message, e.details ?? {});
}

/** The ECP error body: `{error: {code, message, details, timestamp, request_id}}` (ecp-ai-orchestrator-api.md, "커스텀 오류 코드"). */
export function ecpErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = fromApiError(err);
  if (e.statusCode >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: e.code, field: e.details.field, msg: e.message }, 'request refused');
  return reply.status(e.statusCode).send({ error: { code: e.code, message: e.message, details: e.details, timestamp: new Date().toISOString(), request_id: requestIdOf(request) } });
}
