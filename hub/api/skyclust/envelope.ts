import type { FastifyRequest } from 'fastify';

/** skyclust-api's success body: `{success, message, data, request_id, timestamp}` (plus `pagination` on lists). */
export function ok<T>(request: FastifyRequest, data: T, message = 'ok', extra: Record<string, unknown> = {}) {
  return { success: true as const, message, data, ...extra, request_id: request.id, timestamp: new Date().toISOString() };
}
