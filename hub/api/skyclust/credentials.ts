import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyRequest } from 'fastify';
import type { CloudCredential, CloudCredentialStore, Viewer } from '../../integrations/clouds/credential-store.js';
import { CREDENTIAL_DATA } from '../../integrations/clouds/credential-data.js';
import type { Clouds } from '../../integrations/clouds/clouds.js';
import { CLOUD_PROVIDERS, type CloudProvider } from '../../integrations/clouds/provider-error.js';
import type { WorkspaceStore } from '../../workspaces/workspace-store.js';
import type { ApiPrincipal } from '../auth/principal.js';
import { ApiError, invalidParameter, notFound } from '../errors.js';
import { listQueryProps, multiValue, pageOf, pagination } from '../list-query.js';
import type { Api } from '../types.js';
import { cloudApiError } from './cloud-errors.js';
import { ok } from './envelope.js';
import { CredentialList, CredentialView } from './schemas/credentials.js';
import { Ok, oneOf, SkyErrors, Uuid } from './schemas/common.js';

const tags = ['skyclust: credentials'];
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\x00-\\x1f\\x7f]+$' });
// Checked against the provider's own schema in the handler, so the error names data.<field>.
const Data = Type.Object({}, { additionalProperties: true, maxProperties: 20 });
const IdParams = Type.Object({ id: Uuid });

const iso = (ms: number) => new Date(ms).toISOString();
export const renderCredential = (c: CloudCredential) => ({
  id: c.id,
  name: c.name,
  provider: c.provider,
  workspace_id: c.workspaceId,
  owner_id: c.ownerUuid,
  is_active: c.isActive,
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
});

export const viewerOf = (who: ApiPrincipal): Viewer => ({ userId: who.userId, admin: who.role === 'admin' });

/** The provider's data schema, first mismatch as a 400 naming data.<field>. */
function checkData(provider: CloudProvider, data: unknown): void {
  const first = Value.Errors(CREDENTIAL_DATA[provider], data).First();
  if (!first) return;
  const field = first.path.replace(/^\//, '').replaceAll('/', '.');
  throw invalidParameter(field ? `data.${field}` : 'data', `${first.message} (as a ${provider} credential)`);
}

/** A workspace the caller belongs to (admins: any); else 404, as if it did not exist. */
function workspaceFor(workspaces: WorkspaceStore, id: string, who: ApiPrincipal): void {
  if (!workspaces.get(id) || (who.role !== 'admin' && workspaces.roleOf(id, who.userId) === null)) throw notFound('workspace');
}

async function validated(clouds: Clouds, provider: CloudProvider, data: unknown): Promise<void> {
  try {
    await clouds.validateCredential(provider, data);
  } catch (err) {
    throw cloudApiError(err, 'data');
  }
}

/** Visible to the caller (else 404) and changeable by them: its owner or an admin (else 403). */
function changeable(store: CloudCredentialStore, id: string, who: ApiPrincipal): CloudCredential {
  const c = store.visible(id, viewerOf(who));
  if (!c) throw notFound('credential');
  if (c.ownerId !== who.userId && who.role !== 'admin') throw new ApiError('FORBIDDEN', 'only the owner of the credential or an admin may change it');
  return c;
}

const principal = (request: FastifyRequest): ApiPrincipal => request.principal!;

/**
 * skyclust-api's credentials (GET/POST /credentials, PUT/DELETE
 * /credentials/{id}): validated with the provider before they are stored,
 * kept encrypted, never answered. Owned by their creator, optionally
 * shared with a workspace whose members may use them.
 */
export function credentialsRoutes(app: Api, store: CloudCredentialStore, clouds: Clouds, workspaces: WorkspaceStore): void {
  app.get(
    '/credentials',
    {
      config: { access: 'metrics:read' },
      schema: { tags, summary: 'Credentials the caller owns or may use through a workspace', querystring: Type.Object({ provider: multiValue(oneOf(CLOUD_PROVIDERS)), ...listQueryProps() }), response: { 200: Ok(CredentialList), ...SkyErrors } },
    },
    async (request) => {
      const page = pageOf(request.query);
      const { credentials, total } = store.list(viewerOf(principal(request)), { providers: (request.query.provider as CloudProvider[] | undefined) ?? null, ...page });
      return ok(request, { credentials: credentials.map(renderCredential), pagination: pagination(page, total) });
    },
  );

  app.get(
    '/credentials/:id',
    { config: { access: 'metrics:read' }, schema: { tags, summary: 'One credential (never its data)', params: IdParams, response: { 200: Ok(CredentialView), ...SkyErrors } } },
    async (request) => {
      const c = store.visible(request.params.id, viewerOf(principal(request)));
      if (!c) throw notFound('credential');
      return ok(request, renderCredential(c));
    },
  );

  app.post(
    '/credentials',
    {
      config: { access: 'infra:manage' },
      schema: {
        tags,
        summary: 'Add a credential; the provider is asked first whether it works',
        body: Type.Object({ name: Name, provider: oneOf(CLOUD_PROVIDERS), data: Data, workspace_id: Type.Optional(Uuid) }, { additionalProperties: false }),
        response: { 201: Ok(CredentialView), ...SkyErrors },
      },
    },
    async (request, reply) => {
      const who = principal(request);
      const provider = request.body.provider as CloudProvider;
      const workspaceId = request.body.workspace_id ?? null;
      if (workspaceId) workspaceFor(workspaces, workspaceId, who);
      checkData(provider, request.body.data);
      await validated(clouds, provider, request.body.data);
      const c = store.create({ name: request.body.name, provider, ownerId: who.userId, workspaceId, data: request.body.data });
      request.auditNote = { resourceId: c.id, details: { name: c.name, provider, workspace_id: workspaceId, data: '***' } };
      return reply.status(201).send(ok(request, renderCredential(c), 'credential created'));
    },
  );

  app.put(
    '/credentials/:id',
    {
      config: { access: 'infra:manage' },
      schema: {
        tags,
        summary: 'Change a credential (owner or admin); new data is validated with the provider',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name), data: Type.Optional(Data), workspace_id: Type.Optional(Type.Union([Uuid, Type.Null()])), is_active: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Ok(CredentialView), ...SkyErrors },
      },
    },
    async (request) => {
      const who = principal(request);
      const c = changeable(store, request.params.id, who);
      const { name, data, workspace_id: workspaceId, is_active: isActive } = request.body;
      if (workspaceId) workspaceFor(workspaces, workspaceId, who);
      if (data !== undefined) {
        checkData(c.provider, data);
        await validated(clouds, c.provider, data);
      }
      const updated = store.update(c.id, { name, data, workspaceId, isActive });
      if (!updated) throw notFound('credential');
      request.auditNote = { resourceId: c.id, details: { ...(name !== undefined ? { name } : {}), ...(data !== undefined ? { data: '***' } : {}), ...(workspaceId !== undefined ? { workspace_id: workspaceId } : {}) } };
      return ok(request, renderCredential(updated), 'credential updated');
    },
  );

  app.delete(
    '/credentials/:id',
    { config: { access: 'infra:manage' }, schema: { tags, summary: 'Delete a credential no VM uses (owner or admin)', params: IdParams, response: { 200: Ok(Type.Null()), ...SkyErrors } } },
    async (request) => {
      const c = changeable(store, request.params.id, principal(request));
      const result = store.remove(c.id);
      if (result === 'in_use') throw new ApiError('CONFLICT', 'credential is used by VMs; delete them first');
      if (result === 'missing') throw notFound('credential');
      return ok(request, null, 'credential deleted');
    },
  );
}
