import type { FastifyRequest } from 'fastify';

/** skyclust-api's success body: `{success, message, data, request_id, timestamp}` (plus `pagination` on lists). */
export function ok(request: FastifyRequest, data: unknown, message = 'ok', extra: Record<string, unknown> = {}) {
  return { success: true, message, data, ...extra, request_id: request.id, timestamp: new Date().toISOString() };
}
