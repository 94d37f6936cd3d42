import { Type } from '@sinclair/typebox';
import { passwordLogin } from '../auth/password-login.js';
import { bearerToken } from '../auth/jwt.js';
import { clearSessionCookie } from '../auth/session-cookie.js';
import { ApiError, invalidParameter } from '../errors.js';
import { IdentityError } from '../../identity/names.js';
import type { User } from '../../identity/users.js';
import type { RouteModule } from '../types.js';
import { ok } from './envelope.js';
import { TokenAnswer, LogoutAnswer } from './schemas/auth.js';
import { Ok, SkyErrors } from './schemas/common.js';
import { checkPasswordLength, Email, Password, Username, userView } from './user-view.js';

const tags = ['skyclust: auth'];

/** skyclust-api's POST /auth/register, /auth/login, /auth/logout: JWT access tokens. */
export const authRoutes: RouteModule = (app, deps) => {
  const { credentials } = app;
  const tokenFor = async (user: User) => {
    const stamp = deps.users.active(user.id)!.stamp;
    const t = await credentials.tokens.issue(user.id, stamp);
    return { token: t.token, token_type: 'Bearer', expires_at: new Date(t.expiresAt).toISOString(), expires_in: Math.round((t.expiresAt - Date.now()) / 1000), user: userView(user) };
  };

  app.post(
    '/auth/register',
    {
      config: { access: 'public', audit: { action: 'register', resource: 'auth' } },
      // A `role` in the body is dropped by the schema (additionalProperties: false); new users get `user`.
      schema: { tags, body: Type.Object({ username: Username, email: Email, password: Password }, { additionalProperties: false }), response: { 201: Ok(TokenAnswer), ...SkyErrors } },
    },
    async (request, reply) => {
      const { registration, password } = credentials.config;
      if (!registration.enabled) throw new ApiError('FORBIDDEN', 'registration is disabled on this hub (auth.registration.enabled)');
      const body = request.body;
      checkPasswordLength('password', body.password, password.minLength);
      let user: User;
      try {
        user = await deps.users.register(body.username, body.email, body.password, registration.firstUserAdmin);
      } catch (err) {
        if (err instanceof IdentityError) throw new ApiError('CONFLICT', err.message);
        throw err;
      }
      request.auditNote = { userId: user.id, username: user.username, resourceId: user.uuid, details: { role: user.role } };
      return reply.status(201).send(ok(request, await tokenFor(user), 'user registered'));
    },
  );

  app.post(
    '/auth/login',
    {
      config: { access: 'public', audit: { action: 'login', resource: 'auth' } },
      schema: {
        tags,
        description: 'skyclust-api logs in by `email`; hub users created without one (e.g. the bootstrap `admin`) use `username`.',
        body: Type.Object({ email: Type.Optional(Email), username: Type.Optional(Username), password: Password }, { additionalProperties: false }),
        response: { 200: Ok(TokenAnswer), ...SkyErrors },
      },
    },
    async (request, reply) => {
      const { email, username, password } = request.body;
      if ((email === undefined) === (username === undefined)) throw invalidParameter('email', 'give either email or username');
      const by = email !== undefined ? 'email' : 'username';
      const user = await passwordLogin({ users: deps.users, logins: credentials.logins }, request, reply, {
        by,
        identifier: (email ?? username)!,
        password,
        via: 'jwt',
      });
      return ok(request, await tokenFor(user), 'logged in');
    },
  );

  app.post('/auth/logout', { config: { access: 'authenticated', audit: { action: 'logout', resource: 'auth' } }, schema: { tags, response: { 200: Ok(LogoutAnswer), ...SkyErrors } } }, async (request, reply) => {
    const principal = request.principal!;
    let revoked: string | null = null;
    if (principal.via === 'jwt') {
      const claims = await credentials.tokens.verify(bearerToken(request.headers.authorization)!);
      if (claims) credentials.tokens.revoke(claims);
      revoked = 'jwt';
    } else if (principal.via === 'session') {
      credentials.sessions.end(request.cookies[credentials.config.session.cookieName]!);
      clearSessionCookie(request, reply, credentials);
      revoked = 'session';
    }
    request.auditNote = { ...(principal.credentialId && { resourceId: principal.credentialId }), details: { via: principal.via } };
    return ok(request, { revoked }, 'logged out');
  });
};
