import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../../integrations/proxmox/registry-error.js';
import { toApiError } from '../errors.js';

/** Field names as the seed's messages say them ("Cluster name is required"). */
const LABELS: Record<string, string> = { name: 'Cluster name', api_endpoint: 'API endpoint', username: 'Username', password: 'Password' };

/** The seed's code: the status text without spaces (`BadRequest`, `NotFound`, `BadGateway`). */
const codeOf = (status: number) => (STATUS_CODES[status] ?? 'Error').replace(/[^A-Za-z]/g, '');

/**
 * proxmoxer-cluster-api's error body: `{code, message, details}`. A 400
 * names its field in `details.field`; a 502 says in `details.reason`
 * whether the network, a timeout or TLS failed. Messages never carry the
 * request's password (none of the checks echoes a value).
 */
export function proxmoxerErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof RegistryError) {
    request.log.info({ status: err.status, msg: err.message, reason: err.details?.reason }, 'registry request refused');
    return reply.status(err.status).send({ code: codeOf(err.status), message: err.message, details: err.details });
  }
  const e = toApiError(err);
  if (e.code === 'INTERNAL_ERROR') request.log.error({ err }, 'request failed');
  else request.log.info({ code: e.code, field: e.details?.parameter, msg: e.message }, 'request refused');
  if (e.code === 'INVALID_PARAMETER') {
    const field = String(e.details?.parameter ?? 'body');
    // Absent or empty: the seed's "Cluster name is required".
    const missing = /must have required property|fewer than 1 characters/.test(e.message);
    const message = missing ? `${LABELS[field] ?? field} is required` : e.message;
    return reply.status(400).send({ code: 'BadRequest', message, details: { field } });
  }
  if (e.code === 'UNAUTHORIZED') void reply.header('www-authenticate', 'Basic realm="kcloud", charset="UTF-8"');
  return reply.status(e.statusCode).send({ code: codeOf(e.statusCode), message: e.message, details: e.details ?? null });
}
