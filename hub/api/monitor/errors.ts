import type { FastifyReply, FastifyRequest } from 'fastify';
import { toApiError } from '../errors.js';

/** kcloud-monitor-api's error body: `{error: {code, message, details}, timestamp}`. */
export function monitorErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = toApiError(err);
  if (e.code === 'INTERNAL_ERROR') request.log.error({ err }, 'request failed');
  else request.log.info({ code: e.code, field: e.details?.parameter, msg: e.message }, 'request refused');
  if (e.code === 'UNAUTHORIZED') void reply.header('www-authenticate', 'Basic realm="kcloud", charset="UTF-8"');
  return reply.status(e.statusCode).send({ error: { code: e.code, message: e.message, details: e.details ?? {} }, timestamp: new Date().toISOString() });
}
