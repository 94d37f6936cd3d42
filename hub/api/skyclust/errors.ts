import type { FastifyReply, FastifyRequest } from 'fastify';
import { toApiError, type ErrorCode } from '../errors.js';

/** skyclust-api names a 400 VALIDATION_ERROR; the other codes are shared. */
const SKYCLUST_CODE: Partial<Record<ErrorCode, string>> = { INVALID_PARAMETER: 'VALIDATION_ERROR' };

/** skyclust-api's error body: `{success: false, error, code, data, request_id, timestamp}`. */
export function skyclustErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = toApiError(err);
  if (e.code === 'INTERNAL_ERROR') request.log.error({ err }, 'request failed');
  else request.log.info({ code: e.code, field: e.details?.parameter, msg: e.message }, 'request refused');
  return reply.status(e.statusCode).send({
    success: false,
    error: e.message,
    code: SKYCLUST_CODE[e.code] ?? e.code,
    data: e.details ?? {},
    request_id: request.id,
    timestamp: new Date().toISOString(),
  });
}
