import type { FastifyReply, FastifyRequest } from 'fastify';
import { toApiError, type ErrorCode } from '../errors.js';

/** The Proxmox manager's code for a bad request (terraform-proxmox-manager-api.md, "에러 응답"). */
const PVE_CODE: Partial<Record<ErrorCode, string>> = { INVALID_PARAMETER: 'INVALID_REQUEST' };

/**
 * Whether a URL is the Proxmox manager's (mounted at /api; /api/v1 is the
 * other APIs'): the router's refusals and unknown routes there answer in
 * this area's body too (server.ts), as its clients parse no other.
 */
export const isPveManagerUrl = (url: string): boolean => /^\/api(?:[/?]|$)/.test(url) && !/^\/api\/v1(?:[/?]|$)/.test(url);

/** The Proxmox manager's error body: `{error: {code, message, details: {field, reason}}}`. */
export function pveManagerErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const e = toApiError(err);
  if (e.code === 'INTERNAL_ERROR') request.log.error({ err }, 'request failed');
  else request.log.info({ code: e.code, field: e.details?.parameter, msg: e.message }, 'request refused');
  const details = e.code === 'INVALID_PARAMETER' ? { field: e.details?.parameter, reason: e.message } : (e.details ?? {});
  return reply.status(e.statusCode).send({ error: { code: PVE_CODE[e.code] ?? e.code, message: e.message, details } });
}
