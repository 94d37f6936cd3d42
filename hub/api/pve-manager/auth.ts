import { Type } from '@sinclair/typebox';
import { passwordLogin } from '../auth/password-login.js';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie.js';
import type { RouteModule } from '../types.js';
import { LoginAnswer, LogoutAnswer, PveErrors } from './schemas.js';

const tags = ['pve-manager: auth'];

/** The Proxmox manager's session login (Flask-Login in the original): POST /api/auth/login sets an HttpOnly session cookie. */
export const pveAuthRoutes: RouteModule = (app, deps) => {
  const { credentials } = app;

  app.post(
    '/auth/login',
    {
      config: { access: 'public', audit: { action: 'login', resource: 'auth' } },
      schema: {
        tags,
        body: Type.Object(
          { username: Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        response: { 200: LoginAnswer, ...PveErrors },
      },
    },
    async (request, reply) => {
      const user = await passwordLogin({ users: deps.users, logins: credentials.logins }, request, reply, {
        by: 'username',
        identifier: request.body.username,
        password: request.body.password,
        via: 'session',
      });
      const { token, session } = credentials.sessions.create(user.id, deps.users.active(user.id)!.stamp, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
      setSessionCookie(request, reply, credentials, token, session.expiresAt);
      return { success: true, message: 'logged in', user: { id: user.id, username: user.username, role: user.role }, expires_at: new Date(session.expiresAt).toISOString() };
    },
  );

  // Public: logging out must work with an expired session too; it only ever ends the session whose cookie it carries.
  app.post('/auth/logout', { config: { access: 'public', audit: { action: 'logout', resource: 'auth' } }, schema: { tags, response: { 200: LogoutAnswer, ...PveErrors } } }, async (request, reply) => {
    const token = request.cookies[credentials.config.session.cookieName];
    if (token) {
      const session = credentials.sessions.find(token);
      credentials.sessions.end(token);
      const username = session && deps.users.get(session.userId)?.username;
      if (session && username) request.auditNote = { userId: session.userId, username, resourceId: session.id, details: { via: 'session' } };
    }
    clearSessionCookie(request, reply, credentials);
    return { success: true, message: 'logged out' };
  });
};
