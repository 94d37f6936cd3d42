import { Type } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Clouds, ImportResult } from '../../integrations/clouds/clouds.js';
import type { CloudCredential, CloudCredentialStore } from '../../integrations/clouds/credential-store.js';
import { CLOUD_PROVIDERS, type CloudProvider } from '../../integrations/clouds/provider-error.js';
import { VM_SORT, VM_STATUSES, type CloudVm, type CloudVmStore } from '../../integrations/clouds/vm-store.js';
import type { WorkspaceStore } from '../../workspaces/workspace-store.js';
import type { ApiPrincipal } from '../auth/principal.js';
import { ApiError, invalidParameter, notFound } from '../errors.js';
import { listQueryProps, multiValue, orderBy, pageOf, pagination, parseSort } from '../list-query.js';
import type { Api } from '../types.js';
import { cloudApiError } from './cloud-errors.js';
import { viewerOf } from './credentials.js';
import { ok } from './envelope.js';
import { Ok, oneOf, SkyErrors, Uuid } from './schemas/common.js';
import { VmList, VmView } from './schemas/vms.js';

const tags = ['skyclust: vms'];
const Word = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$' });
const IdParams = Type.Object({ id: Uuid });
const VmName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\x00-\\x1f\\x7f]+$' });
const Region = Type.String({ minLength: 1, maxLength: 40, pattern: '^[a-z0-9-]+$' });

const iso = (ms: number) => new Date(ms).toISOString();
const render = (v: CloudVm) => ({
  id: v.id,
  name: v.name,
  provider: v.provider,
  instance_type: v.instanceType,
  status: v.status,
  status_reason: v.statusReason,
  region: v.region,
  zone: v.zone,
  image_id: v.imageId,
  key_pair: v.keyPair,
  instance_id: v.instanceId,
  public_ip: v.publicIp,
  private_ip: v.privateIp,
  workspace_id: v.workspaceId,
  credential_id: v.credentialId,
  client_request_id: v.clientRequestId,
  created_at: iso(v.createdAt),
  updated_at: iso(v.updatedAt),
});

const principal = (request: FastifyRequest): ApiPrincipal => request.principal!;

/**
 * The credential a create uses: the one named (it must be one the caller
 * may use, of the same provider, active), else the only active one of that
 * provider shared with the workspace or owned by the caller.
 */
function credentialFor(store: CloudCredentialStore, who: ApiPrincipal, provider: CloudProvider, workspaceId: string, named: string | undefined): CloudCredential {
  if (named !== undefined) {
    const c = store.visible(named, viewerOf(who));
    if (!c) throw invalidParameter('credential_id', 'no such credential');
    if (c.provider !== provider) throw invalidParameter('credential_id', `the credential is for ${c.provider}, not ${provider}`);
    if (!c.isActive) throw invalidParameter('credential_id', 'the credential is not active');
    if (c.workspaceId !== workspaceId && c.ownerId !== who.userId) throw invalidParameter('credential_id', 'the credential is neither shared with this workspace nor yours');
    return c;
  }
  const { credentials } = store.list(viewerOf(who), { providers: [provider], limit: 100, offset: 0 });
  const usable = credentials.filter((c) => c.isActive && (c.workspaceId === workspaceId || c.ownerId === who.userId));
  if (usable.length === 0) throw invalidParameter('credential_id', `no active ${provider} credential for this workspace; add one with POST /credentials`);
  if (usable.length > 1) throw invalidParameter('credential_id', `${usable.length} ${provider} credentials could be used; name one`);
  return usable[0]!;
}

/** A workspace of the caller's (admins: any); another, or none, is 404 as if it did not exist. */
function assertMember(workspaces: WorkspaceStore, who: ApiPrincipal, workspaceId: string): void {
  if (!workspaces.get(workspaceId) || (who.role !== 'admin' && workspaces.roleOf(workspaceId, who.userId) === null)) throw notFound('workspace');
}

/** skyclust-api's VMs (GET/POST /vms, POST /vms/import, GET/DELETE /vms/{id}): workspace-scoped, created and deleted at the provider, followed by the reconciler. */
export function vmsRoutes(app: Api, vms: CloudVmStore, credentials: CloudCredentialStore, clouds: Clouds, workspaces: WorkspaceStore): void {
  app.get(
    '/vms',
    {
      config: { access: 'metrics:read' },
      schema: {
        tags,
        summary: 'VMs of the workspaces the caller belongs to (all for admins)',
        querystring: Type.Object({ workspace_id: multiValue(Uuid), provider: multiValue(oneOf(CLOUD_PROVIDERS)), status: multiValue(oneOf(VM_STATUSES)), ...listQueryProps({ sortFields: VM_SORT }) }),
        response: { 200: Ok(VmList), ...SkyErrors },
      },
    },
    async (request) => {
      const q = request.query;
      const page = pageOf(q);
      const order = orderBy(parseSort(q.sort, VM_SORT, 'created_at:desc'), 'v.id');
      const { vms: list, total } = vms.list(viewerOf(principal(request)), { workspaceIds: q.workspace_id ?? null, providers: q.provider ?? null, statuses: q.status ?? null, order, ...page });
      return ok(request, { vms: list.map(render), pagination: pagination(page, total) });
    },
  );

  app.get(
    '/vms/:id',
    { config: { access: 'metrics:read' }, schema: { tags, summary: 'One VM', params: IdParams, response: { 200: Ok(VmView), ...SkyErrors } } },
    async (request) => {
      const vm = vms.visible(request.params.id, viewerOf(principal(request)));
      if (!vm) throw notFound('VM');
      return ok(request, render(vm));
    },
  );

  app.post(
    '/vms',
    {
      config: { access: 'infra:manage' },
      schema: {
        tags,
        summary: 'Create a VM: answers at once with status pending; vm_status_changed follows',
        body: Type.Object(
          {
            name: VmName,
            provider: oneOf(CLOUD_PROVIDERS),
            instance_type: Word(64),
            region: Region,
            workspace_id: Uuid,
            image_id: Word(256),
            key_pair: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]+$' })),
            credential_id: Type.Optional(Uuid),
            client_request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$', description: 'a retried create with the same id makes no second VM' })),
          },
          { additionalProperties: false },
        ),
        response: { 202: Ok(VmView), 200: Ok(VmView), ...SkyErrors },
      },
    },
    async (request, reply) => {
      const who = principal(request);
      const b = request.body;
      assertMember(workspaces, who, b.workspace_id);
      const provider = b.provider as CloudProvider;
      try {
        clouds.assertVmProvider(provider);
      } catch (err) {
        throw cloudApiError(err, 'provider');
      }
      const credential = credentialFor(credentials, who, provider, b.workspace_id, b.credential_id);
      const id = randomUUID();
      let result: { vm: CloudVm; created: boolean };
      try {
        result = await clouds.createVm({
          id,
          name: b.name,
          provider,
          workspaceId: b.workspace_id,
          credentialId: credential.id,
          createdBy: who.userId,
          instanceType: b.instance_type,
          region: b.region,
          zone: null,
          imageId: b.image_id,
          keyPair: b.key_pair ?? null,
          clientRequestId: b.client_request_id ?? id,
          createdAt: Date.now(),
        });
      } catch (err) {
        throw cloudApiError(err, 'image_id');
      }
      request.auditNote = { resourceId: result.vm.id, details: { provider, workspace_id: b.workspace_id, instance_type: b.instance_type, region: b.region } };
      return reply.status(result.created ? 202 : 200).send(ok(request, render(result.vm), result.created ? 'VM creation started' : 'VM already created with this client_request_id'));
    },
  );

  app.post(
    '/vms/import',
    {
      config: { access: 'infra:manage', audit: { action: 'import', resource: 'vm' } },
      schema: {
        tags,
        summary: 'Import an instance the hub did not create: recorded with what the provider says of it, then followed like any VM',
        body: Type.Object(
          {
            workspace_id: Uuid,
            provider: oneOf(CLOUD_PROVIDERS),
            credential_id: Type.Optional(Uuid),
            region: Region,
            // EC2 ids, GCE names and ARM resource ids (`/subscriptions/.../virtualMachines/<name>`; resource group names may hold parentheses).
            instance_id: Type.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9/][A-Za-z0-9._()/-]*$' }),
            name: Type.Optional(VmName),
          },
          { additionalProperties: false },
        ),
        response: { 201: Ok(VmView), ...SkyErrors },
      },
    },
    async (request, reply) => {
      const who = principal(request);
      const b = request.body;
      assertMember(workspaces, who, b.workspace_id);
      const provider = b.provider as CloudProvider;
      try {
        clouds.assertVmProvider(provider);
      } catch (err) {
        throw cloudApiError(err, 'provider');
      }
      const credential = credentialFor(credentials, who, provider, b.workspace_id, b.credential_id);
      const id = randomUUID();
      let result: ImportResult;
      try {
        result = await clouds.importVm({
          id,
          // Default: the instance's own name (the last segment of an ARM id; an EC2 id or GCE name as it is).
          name: b.name ?? (b.instance_id.slice(b.instance_id.lastIndexOf('/') + 1) || b.instance_id).slice(0, 128),
          provider,
          workspaceId: b.workspace_id,
          credentialId: credential.id,
          createdBy: who.userId,
          region: b.region,
          instanceId: b.instance_id,
          clientRequestId: id,
          createdAt: Date.now(),
        });
      } catch (err) {
        throw cloudApiError(err, 'instance_id');
      }
      switch (result.outcome) {
        case 'unknown':
          throw new ApiError('NOT_FOUND', `instance_id: ${provider} knows no instance ${b.instance_id} in ${b.region} (with credential ${credential.id})`, { parameter: 'instance_id' });
        case 'terminated':
          throw invalidParameter('instance_id', `the instance is terminated or being terminated${result.reason ? ` (${result.reason})` : ''}: there is nothing to manage`);
        case 'managed': {
          // The managing VM's id only to those who may see it: another workspace's VM stays unnamed.
          const mine = vms.visible(result.vm.id, viewerOf(who));
          throw new ApiError('CONFLICT', `instance_id: ${b.instance_id} is already managed by the hub${mine ? ` as VM ${mine.id}` : ' (in a workspace you are not a member of)'}`, { parameter: 'instance_id', ...(mine ? { vm_id: mine.id } : {}) });
        }
      }
      request.auditNote = { resourceId: result.vm.id, details: { provider, workspace_id: b.workspace_id, region: b.region, instance_id: result.vm.instanceId } };
      return reply.status(201).send(ok(request, render(result.vm), 'VM imported'));
    },
  );

  app.delete(
    '/vms/:id',
    { config: { access: 'infra:manage' }, schema: { tags, summary: 'Terminate a VM; it is removed once the provider says it is gone', params: IdParams, response: { 200: Ok(Type.Null()), ...SkyErrors } } },
    async (request) => {
      const vm = vms.visible(request.params.id, viewerOf(principal(request)));
      if (!vm) throw notFound('VM');
      try {
        await clouds.deleteVm(vm);
      } catch (err) {
        throw cloudApiError(err, 'id');
      }
      return ok(request, null, 'VM deletion started');
    },
  );
}
