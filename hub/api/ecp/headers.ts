import type { FastifyRequest } from 'fastify';
import { badRequest } from './errors.js';

const demo = new WeakMap<FastifyRequest, boolean>();

/**
 * The seed's required `X-Demo-Mode: true|false` (any case): absent or
 * another value is 400 naming the header. Runs after authentication, so an
 * anonymous client learns only that it needs credentials.
 */
export async function requireDemoMode(request: FastifyRequest): Promise<void> {
  const raw = request.headers['x-demo-mode'];
  if (raw === undefined) throw badRequest('X-Demo-Mode', 'header required (true or false)');
  const value = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (value !== 'true' && value !== 'false') throw badRequest('X-Demo-Mode', 'must be true or false');
  demo.set(request, value === 'true');
}

/** Whether the request is in demo mode (set by requireDemoMode). */
export const isDemoRequest = (request: FastifyRequest): boolean => demo.get(request) ?? false;

/** `X-Debug: true` from an admin: the answer adds its debug detail; from anyone else the header is ignored. */
export const debugWanted = (request: FastifyRequest): boolean =>
  request.principal?.role === 'admin' && typeof request.headers['x-debug'] === 'string' && request.headers['x-debug'].trim().toLowerCase() === 'true';

const debugDetails = new WeakMap<FastifyRequest, Record<string, unknown>>();

/** A route's own debug detail (e.g. the cluster capacity it read), kept only when the request asked for it (debugWanted). */
export function addDebug(request: FastifyRequest, fields: Record<string, unknown>): void {
  if (debugWanted(request)) debugDetails.set(request, { ...debugDetails.get(request), ...fields });
}

/** What routes added with addDebug. */
export const debugDetailOf = (request: FastifyRequest): Record<string, unknown> => debugDetails.get(request) ?? {};

const headerOnly = new WeakSet<FastifyRequest>();

/** The answer is a document of its own (a manifest, YAML or a JSON List): debug goes in the X-Debug-Info header, never into it. */
export const debugInHeader = (request: FastifyRequest): void => void headerOnly.add(request);
export const debugOnlyInHeader = (request: FastifyRequest): boolean => headerOnly.has(request);
