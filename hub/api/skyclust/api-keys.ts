import { Type } from '@sinclair/typebox';
import type { ApiKey } from '../../identity/api-keys.js';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../auth/permissions.js';
import type { ApiPrincipal } from '../auth/principal.js';
import { invalidParameter, notFound } from '../errors.js';
import type { RouteModule } from '../types.js';
import { ok } from './envelope.js';
import { ApiKeyCreated, ApiKeyList, ApiKeyRevoked } from './schemas/api-keys.js';
import { Ok, SkyErrors } from './schemas/common.js';

const tags = ['skyclust: api keys'];
const iso = (ts: number | null) => (ts === null ? null : new Date(ts).toISOString());

function keyView(k: ApiKey) {
  return { id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, created_at: new Date(k.createdAt).toISOString(), expires_at: iso(k.expiresAt), last_used_at: iso(k.lastUsedAt), revoked_at: iso(k.revokedAt) };
}

/**
 * The scopes a new key gets: within the owner's role (omitted: the whole
 * role). Only a password, token or session reaches this (`credentials`
 * access), so no key ever mints another.
 */
export function grantedScopes(principal: ApiPrincipal, requested: string[] | undefined): string[] | null {
  if (requested === undefined) return null;
  const role = ROLE_PERMISSIONS[principal.role];
  for (const s of requested) {
    if (!role.has(s as (typeof PERMISSIONS)[number])) throw invalidParameter('scopes', `role "${principal.role}" does not have "${s}"`);
  }
  return requested;
}

/** API keys for service-to-service calls (skyclust-api's `X-API-Key`): each user manages their own (not with a key), the key is shown once. */
export const apiKeysRoutes: RouteModule = (app) => {
  const { apiKeys } = app.credentials;

  app.post(
    '/api-keys',
    {
      config: { access: 'credentials' },
      schema: {
        tags,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            scopes: Type.Optional(Type.Array(Type.Union(PERMISSIONS.map((p) => Type.Literal(p))), { uniqueItems: true, maxItems: PERMISSIONS.length })),
            expires_at: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Ok(ApiKeyCreated), ...SkyErrors },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const scopes = grantedScopes(principal, request.body.scopes);
      const expiresAt = request.body.expires_at === undefined ? null : Date.parse(request.body.expires_at);
      if (expiresAt !== null && expiresAt <= Date.now()) throw invalidParameter('expires_at', 'must be in the future');
      const { key, apiKey } = apiKeys.create(principal.userId, request.body.name, scopes, expiresAt);
      request.auditNote = { resourceId: apiKey.id, details: { name: apiKey.name, scopes } };
      return reply.status(201).send(ok(request, { ...keyView(apiKey), key }, 'API key created; the key is shown only this once'));
    },
  );

  app.get('/api-keys', { config: { access: 'credentials' }, schema: { tags, response: { 200: Ok(ApiKeyList), ...SkyErrors } } }, async (request) => {
    const keys = apiKeys.list(request.principal!.userId).map(keyView);
    return ok(request, { api_keys: keys, total: keys.length });
  });

  app.delete('/api-keys/:id', { config: { access: 'credentials' }, schema: { tags, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Ok(ApiKeyRevoked), ...SkyErrors } } }, async (request) => {
    const principal = request.principal!;
    if (!apiKeys.revoke(principal.userId, request.params.id)) throw notFound(`API key ${request.params.id}`);
    return ok(request, { id: request.params.id, revoked: true }, 'API key revoked');
  });
};
