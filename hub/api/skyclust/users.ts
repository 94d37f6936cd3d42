import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { IdentityError } from '../../identity/names.js';
import { verifyPassword } from '../../identity/passwords.js';
import type { User, UserUpdate } from '../../identity/users.js';
import { throttleKey, throttled } from '../auth/password-login.js';
import { ROLE_PERMISSIONS } from '../auth/permissions.js';
import { ApiError, invalidParameter, notFound } from '../errors.js';
import type { RouteModule } from '../types.js';
import { ok } from './envelope.js';
import { Ok, SkyErrors, Uuid } from './schemas/common.js';
import { Me, UserId, UserList, UserView } from './schemas/users.js';
import { checkPasswordLength, Email, Password, RoleSchema, Username, userView } from './user-view.js';

const tags = ['skyclust: users'];
const IdParams = Type.Object({ id: Uuid });

/** IdentityError from the store: a taken name or email is 409, the last admin 409 too (the request conflicts with the hub's state). */
function storeError(err: unknown): never {
  if (err instanceof IdentityError) throw new ApiError('CONFLICT', err.message);
  throw err;
}

/** The users API: admins manage accounts (user:* permissions); everyone reads and changes their own. */
export const usersRoutes: RouteModule = (app, deps) => {
  const { credentials } = app;
  /** Completes the audit hook's record of this request (the hook names action and resource from method and path). */
  const note = (request: FastifyRequest, target: string, details?: Record<string, unknown>) => {
    request.auditNote = { resourceId: target, ...(details && { details }) };
  };
  const byId = (id: string): User => {
    const user = deps.users.byUuid(id);
    if (!user) throw notFound(`user ${id}`);
    return user;
  };
  /** New password: stored hashed; every JWT (password stamp) and session of the user ends. */
  const changePassword = async (user: User, password: string) => {
    await deps.users.setPassword(user.username, password);
    credentials.sessions.endAll(user.id);
  };

  app.get('/users/me', { config: { access: 'authenticated' }, schema: { tags, response: { 200: Ok(Me), ...SkyErrors } } }, async (request) => {
    const p = request.principal!;
    const me = deps.users.get(p.userId)!;
    return ok(request, { ...userView(me), permissions: [...ROLE_PERMISSIONS[me.role]].filter((x) => !p.scopes || p.scopes.has(x)), auth_method: p.via });
  });

  app.put(
    '/users/me/password',
    { config: { access: 'credentials', audit: { action: 'password', resource: 'user' } }, schema: { tags, body: Type.Object({ current_password: Password, new_password: Password }, { additionalProperties: false }), response: { 200: Ok(UserId), ...SkyErrors } } },
    async (request) => {
      const me = deps.users.get(request.principal!.userId)!;
      checkPasswordLength('new_password', request.body.new_password, credentials.config.password.minLength);
      const account = throttleKey(me, me.username);
      throttled(credentials.throttle.check(account, request.ip));
      const cred = deps.users.credential(me.username);
      if (!cred || !(await verifyPassword(cred.passwordHash, request.body.current_password))) {
        credentials.throttle.fail(account, request.ip);
        throw invalidParameter('current_password', 'does not match');
      }
      await changePassword(me, request.body.new_password);
      note(request, me.uuid);
      return ok(request, { id: me.uuid }, 'password changed; log in again');
    },
  );

  app.get(
    '/users',
    {
      config: { access: 'user:read' },
      schema: { tags, querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), offset: Type.Integer({ minimum: 0, default: 0 }) }), response: { 200: Ok(UserList), ...SkyErrors } },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const all = deps.users.list();
      const page = all.slice(offset, offset + limit).map(userView);
      return ok(request, { users: page, pagination: { limit, offset, total: all.length, has_next: offset + limit < all.length, has_prev: offset > 0 } });
    },
  );

  app.get('/users/:id', { config: { access: 'user:read' }, schema: { tags, params: IdParams, response: { 200: Ok(UserView), ...SkyErrors } } }, async (request) => ok(request, userView(byId(request.params.id))));

  app.post(
    '/users',
    {
      config: { access: 'user:create' },
      schema: { tags, body: Type.Object({ username: Username, email: Type.Optional(Email), password: Password, role: RoleSchema }, { additionalProperties: false }), response: { 201: Ok(UserView), ...SkyErrors } },
    },
    async (request, reply) => {
      const { username, email, password, role } = request.body;
      checkPasswordLength('password', password, credentials.config.password.minLength);
      let user: User;
      try {
        if (email !== undefined) deps.users.assertEmailFree(email);
        user = await deps.users.add(username, role, password, email ?? null);
      } catch (err) {
        storeError(err);
      }
      note(request, user.uuid, { role });
      return reply.status(201).send(ok(request, userView(user), 'user created'));
    },
  );

  app.put(
    '/users/:id',
    {
      config: { access: 'user:update' },
      schema: {
        tags,
        params: IdParams,
        body: Type.Object({ email: Type.Optional(Email), role: Type.Optional(RoleSchema), is_active: Type.Optional(Type.Boolean()), password: Type.Optional(Password) }, { additionalProperties: false }),
        response: { 200: Ok(UserView), ...SkyErrors },
      },
    },
    async (request) => {
      const user = byId(request.params.id);
      const { email, role, is_active, password } = request.body;
      if (password !== undefined) checkPasswordLength('password', password, credentials.config.password.minLength);
      const change: UserUpdate = { ...(email !== undefined && { email }), ...(role !== undefined && { role }), ...(is_active !== undefined && { disabled: !is_active }) };
      let updated = user;
      try {
        if (Object.keys(change).length) updated = deps.users.update(user.id, change);
      } catch (err) {
        storeError(err);
      }
      if (password !== undefined) await changePassword(user, password);
      if (updated.disabled) credentials.sessions.endAll(user.id);
      note(request, user.uuid, { fields: Object.keys(request.body) });
      return ok(request, userView(updated), 'user updated');
    },
  );

  app.delete('/users/:id', { config: { access: 'user:delete' }, schema: { tags, params: IdParams, response: { 200: Ok(UserId), ...SkyErrors } } }, async (request) => {
    const user = byId(request.params.id);
    try {
      // API keys and sessions go with the row (ON DELETE CASCADE); JWTs fail their user lookup.
      deps.users.remove(user.username);
    } catch (err) {
      storeError(err);
    }
    note(request, user.uuid, { username: user.username });
    return ok(request, { id: user.uuid }, 'user deleted');
  });
};
