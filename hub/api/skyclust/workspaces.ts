import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { WORKSPACE_SORT, WorkspaceConflict, type Workspace, type WorkspaceMember, type WorkspaceStore } from '../../workspaces/workspace-store.js';
import type { User, UserStore } from '../../identity/users.js';
import type { ApiPrincipal } from '../auth/principal.js';
import { ApiError, invalidParameter, notFound } from '../errors.js';
import { listQueryProps, pageOf, pagination, parseSort } from '../list-query.js';
import type { RouteModule } from '../types.js';
import { ok } from './envelope.js';
import { Ok, SkyErrors, Uuid } from './schemas/common.js';
import { AddMember, MemberList, MemberView, WorkspaceCreated, WorkspaceList, WorkspaceUpdated, WorkspaceView } from './schemas/workspaces.js';

/** The seed documents 10 as this list's default (its general default is 20). */
const DEFAULT_LIMIT = 10;
// Printable text only: names end up in logs and notifications.
const WorkspaceName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\x00-\\x1f\\x7f]+$' });
const Description = Type.String({ maxLength: 1000, pattern: '^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$' });
const IdParams = Type.Object({ id: Uuid });
const MemberParams = Type.Object({ id: Uuid, user_id: Uuid });

const iso = (ms: number) => new Date(ms).toISOString();
const render = (w: Workspace) => ({
  id: w.id,
  name: w.name,
  description: w.description,
  owner_id: w.ownerUuid,
  is_active: w.isActive,
  created_at: iso(w.createdAt),
  updated_at: iso(w.updatedAt),
});
const renderMember = (m: WorkspaceMember) => ({ user_id: m.userUuid, username: m.username, role: m.role, added_at: iso(m.addedAt) });

type AddMemberBody = { user_id?: string; username?: string; email?: string };

/**
 * The account a member request names. Everything the caller may not add
 * (no such account, a disabled one, an admin when the caller is not one:
 * admins see every workspace anyway and are not drafted by users) is the
 * same 400, so guessing names learns nothing about who exists or who is admin.
 */
function memberToAdd(users: UserStore, body: AddMemberBody, who: ApiPrincipal): User {
  const given = (['user_id', 'username', 'email'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) throw invalidParameter('user_id', 'name the user by exactly one of user_id, username, email');
  const field = given[0]!;
  const user = field === 'user_id' ? users.byUuid(body.user_id!) : field === 'username' ? users.byName(body.username!) : users.byEmail(body.email!);
  if (!user || user.disabled || (user.role === 'admin' && who.role !== 'admin')) throw invalidParameter(field, 'no such user');
  return user;
}

const conflict = (err: unknown): never => {
  if (err instanceof WorkspaceConflict) throw new ApiError('CONFLICT', err.message);
  throw err;
};

/**
 * Access rules: admins see and manage every workspace; others see the ones
 * they are members of (anything else is 404, so ids do not leak) and may
 * change one they own (403 otherwise). Creating needs workspace:manage.
 */
function readable(store: WorkspaceStore, id: string, who: ApiPrincipal): Workspace {
  const w = store.get(id);
  if (!w || (who.role !== 'admin' && store.roleOf(id, who.userId) === null)) throw notFound('workspace');
  return w;
}

function manageable(store: WorkspaceStore, id: string, who: ApiPrincipal): Workspace {
  const w = readable(store, id, who);
  if (who.role !== 'admin' && store.roleOf(id, who.userId) !== 'owner') throw new ApiError('FORBIDDEN', 'only an owner of the workspace or an admin may change it');
  return w;
}

const principal = (request: FastifyRequest): ApiPrincipal => request.principal!;

/** skyclust-api's workspaces (GET/POST /workspaces, GET/PUT/DELETE /workspaces/{id}) and their members. */
export const workspacesRoutes: RouteModule = (app, { workspaces, users }) => {
  app.get(
    '/workspaces',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['workspaces'], summary: 'Workspaces the caller belongs to (all of them for admins)', querystring: Type.Object(listQueryProps({ defaultLimit: DEFAULT_LIMIT, sortFields: WORKSPACE_SORT })), response: { 200: Ok(WorkspaceList), ...SkyErrors } },
    },
    async (request) => {
      const who = principal(request);
      const page = pageOf(request.query, DEFAULT_LIMIT);
      const sort = parseSort(request.query.sort, WORKSPACE_SORT, 'name:asc');
      const { workspaces: list, total } = workspaces.list({ memberId: who.role === 'admin' ? null : who.userId, sort, page });
      return ok(request, { workspaces: list.map(render), pagination: pagination(page, total) });
    },
  );

  app.post(
    '/workspaces',
    {
      config: { access: 'workspace:manage' },
      schema: { tags: ['workspaces'], summary: 'Create a workspace; the caller becomes its owner', body: Type.Object({ name: WorkspaceName, description: Type.Optional(Description) }, { additionalProperties: false }), response: { 201: Ok(WorkspaceCreated), ...SkyErrors } },
    },
    async (request, reply) => {
      const who = principal(request);
      let w: Workspace;
      try {
        w = workspaces.create({ name: request.body.name, description: request.body.description ?? '', ownerId: who.userId });
      } catch (err) {
        return conflict(err);
      }
      request.auditNote = { resourceId: w.id };
      const { updated_at: _updated, ...created } = render(w);
      return reply.status(201).send(ok(request, created, 'workspace created'));
    },
  );

  app.get(
    '/workspaces/:id',
    { config: { access: 'authenticated' }, schema: { tags: ['workspaces'], summary: 'One workspace (members and admins)', params: IdParams, response: { 200: Ok(WorkspaceView), ...SkyErrors } } },
    async (request) => ok(request, render(readable(workspaces, request.params.id, principal(request)))),
  );

  app.put(
    '/workspaces/:id',
    {
      config: { access: 'workspace:manage' },
      schema: {
        tags: ['workspaces'],
        summary: 'Change a workspace (owners and admins)',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(WorkspaceName), description: Type.Optional(Description), is_active: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Ok(WorkspaceUpdated), ...SkyErrors },
      },
    },
    async (request) => {
      manageable(workspaces, request.params.id, principal(request));
      const { name, description, is_active: isActive } = request.body;
      let w: Workspace | null;
      try {
        w = workspaces.update(request.params.id, { name, description, isActive });
      } catch (err) {
        return conflict(err);
      }
      if (!w) throw notFound('workspace');
      const { id, name: n, description: d, is_active, updated_at } = render(w);
      return ok(request, { id, name: n, description: d, is_active, updated_at }, 'workspace updated');
    },
  );

  app.delete(
    '/workspaces/:id',
    { config: { access: 'workspace:manage' }, schema: { tags: ['workspaces'], summary: 'Delete a workspace and its memberships (owners and admins)', params: IdParams, response: { 200: Ok(Type.Null()), ...SkyErrors } } },
    async (request) => {
      manageable(workspaces, request.params.id, principal(request));
      if (!workspaces.remove(request.params.id)) throw notFound('workspace');
      return ok(request, null, 'workspace deleted');
    },
  );

  app.get(
    '/workspaces/:id/members',
    { config: { access: 'authenticated' }, schema: { tags: ['workspaces'], summary: 'Members of a workspace', params: IdParams, querystring: Type.Object(listQueryProps()), response: { 200: Ok(MemberList), ...SkyErrors } } },
    async (request) => {
      readable(workspaces, request.params.id, principal(request));
      const page = pageOf(request.query);
      const { members, total } = workspaces.members(request.params.id, page);
      return ok(request, { members: members.map(renderMember), pagination: pagination(page, total) });
    },
  );

  app.post(
    '/workspaces/:id/members',
    {
      config: { access: 'workspace:manage' },
      schema: {
        tags: ['workspaces'],
        summary: 'Add a member, or change a member\'s role (owners and admins)',
        params: IdParams,
        body: AddMember,
        response: { 201: Ok(MemberView), ...SkyErrors },
      },
    },
    async (request, reply) => {
      const who = principal(request);
      manageable(workspaces, request.params.id, who);
      const user = memberToAdd(users, request.body, who);
      let member: WorkspaceMember;
      try {
        member = workspaces.setMember(request.params.id, user.id, request.body.role ?? 'member');
      } catch (err) {
        return conflict(err);
      }
      request.auditNote = { details: { member_id: user.uuid, role: member.role } };
      return reply.status(201).send(ok(request, renderMember(member), 'member added'));
    },
  );

  app.delete(
    '/workspaces/:id/members/:user_id',
    { config: { access: 'workspace:manage' }, schema: { tags: ['workspaces'], summary: 'Remove a member (owners and admins; the last owner stays)', params: MemberParams, response: { 200: Ok(Type.Null()), ...SkyErrors } } },
    async (request) => {
      manageable(workspaces, request.params.id, principal(request));
      const user = users.byUuid(request.params.user_id);
      let removed: boolean;
      try {
        removed = user !== null && workspaces.removeMember(request.params.id, user.id);
      } catch (err) {
        return conflict(err);
      }
      if (!removed) throw notFound('member');
      request.auditNote = { details: { member_id: request.params.user_id } };
      return ok(request, null, 'member removed');
    },
  );
};
