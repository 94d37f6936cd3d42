import type { FastifyRequest } from 'fastify';

/**
 * Whether a request may use the browser's ambient credentials (the session
 * cookie, cached Basic): it carries no Origin (not sent by a web page), or
 * one whose host is this hub's (`request.host`: the Host header, or the
 * forwarded host behind a trusted proxy). A WebSocket handshake has no CORS
 * preflight, so this is what keeps another site's page from opening a
 * socket as the user (cross-site WebSocket hijacking) where SameSite does
 * not apply (cached Basic credentials, older browsers).
 */
export function fromOwnOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}
