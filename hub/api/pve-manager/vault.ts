import { Type } from '@sinclair/typebox';
import type { SecretsBackend } from '../../pve-manager/vault.js';
import type { RouteModule } from '../types.js';
import { PveErrors } from './schemas.js';

const tags = ['pve-manager: vault'];
// No maxLength here: a refusal would name Fastify's '*', not the seed's {path}; checkVaultPath (at most 200 characters) names it.
const PathParams = Type.Object({ '*': Type.String({ description: 'the seed\'s {path}: segments of letters, digits, _ . - (at most 200 characters)' }) });

const VaultStatusAnswer = Type.Object({
  status: Type.String(),
  backend: Type.String(),
  sealed: Type.Boolean(),
  secrets: Type.Optional(Type.Integer()),
  initialized: Type.Optional(Type.Boolean()),
  version: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

/**
 * /api/vault: the seed's Vault API on the hub's secrets box or on a Vault /
 * OpenBao KV v2 mount (pveManager.vault). Admins only (`system:manage`);
 * values are answered to them alone, every read and write is audited (path
 * and key names, never values), nothing logs them.
 */
export const pveVaultRoutes =
  (vault: SecretsBackend): RouteModule =>
  (app, deps) => {
    app.get(
      '/vault/status',
      {
        config: { access: 'system:read' },
        schema: { tags, response: { 200: VaultStatusAnswer, ...PveErrors } },
      },
      async () => vault.status(),
    );

    app.get(
      '/vault/secrets/*',
      {
        config: { access: 'system:manage' },
        schema: { tags, params: PathParams, response: { 200: Type.Object({ path: Type.String(), data: Type.Record(Type.String(), Type.String()), version: Type.Optional(Type.Integer()) }), ...PveErrors } },
      },
      async (request) => {
        const path = request.params['*'];
        // Reads are not mutating, so the audit hook skips them: a secret's read is recorded here, key names only.
        const record = (status: number, keys: string[]) =>
          deps.audit.record({
            userId: request.principal?.userId ?? null,
            username: request.principal?.username ?? null,
            action: 'read',
            resource: 'vault_secret',
            resourceId: path.slice(0, 200),
            success: status === 200,
            ip: request.ip ?? null,
            userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 256) : null,
            details: { method: 'GET', route: '/api/vault/secrets/*', status, keys },
          });
        try {
          const { data, version } = await vault.read(path);
          record(200, Object.keys(data));
          return { path, data, ...(version !== undefined && { version }) };
        } catch (err) {
          record((err as { statusCode?: number }).statusCode ?? 500, []);
          throw err;
        }
      },
    );

    app.post(
      '/vault/secrets/*',
      {
        config: { access: 'system:manage', audit: { action: 'write', resource: 'vault_secret' } },
        schema: {
          tags,
          params: PathParams,
          body: Type.Record(Type.String(), Type.Unknown()),
          response: { 200: Type.Object({ success: Type.Boolean(), message: Type.String(), path: Type.String(), keys: Type.Array(Type.String()), version: Type.Optional(Type.Integer()) }), ...PveErrors },
        },
      },
      async (request) => {
        const path = request.params['*'];
        const { keys, version } = await vault.write(path, request.body);
        request.auditNote = { resourceId: path, details: { keys } };
        return { success: true, message: '비밀 정보가 저장되었습니다', path, keys, ...(version !== undefined && { version }) };
      },
    );
  };
