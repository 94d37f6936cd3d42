import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditLog } from '../audit/audit-log.js';
import { entryFor, MUTATING_METHODS, type AuditNote, type RouteAudit } from '../audit/request-entry.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's own audit naming (`{action: 'login', resource: 'auth'}`); false for a route that records its audit entries itself. */
    audit?: RouteAudit | false;
  }
  interface FastifyRequest {
    /** Set by a handler to complete its audit record (e.g. the id of what it created). */
    auditNote: AuditNote | null;
  }
}

export interface AuditHookOptions {
  audit: AuditLog;
}

/**
 * Records every POST/PUT/PATCH/DELETE of every area in the audit log once
 * its response is sent: who (request.principal, or what the handler noted),
 * what (method -> create/update/delete, resource and id from the route
 * pattern and params), whether it worked (status < 400), from where (ip,
 * user agent). Refused requests (401, 403, 400) are recorded too: they are
 * what an audit is read for. Requests that matched no route act on nothing
 * and are not recorded. AuditLog emits each record for /ws.
 */
export const auditHook = fp<AuditHookOptions>(
  async (app: FastifyInstance, { audit }) => {
    app.decorateRequest('auditNote', null);
    app.addHook('onResponse', (request, reply, done) => {
      // Callback style: reads (most requests) leave at once, without the promise an async hook costs.
      if (!MUTATING_METHODS.has(request.method)) return done();
      const routeUrl = request.routeOptions.url;
      const route = request.routeOptions.config.audit;
      if (routeUrl === undefined || route === false) return done();
      const ua = request.headers['user-agent'];
      const entry = entryFor({
        method: request.method,
        routeUrl,
        params: (request.params ?? {}) as Record<string, unknown>,
        statusCode: reply.statusCode,
        user: request.principal,
        ip: request.ip ?? null,
        userAgent: typeof ua === 'string' ? ua : null,
        route,
        note: request.auditNote,
      });
      try {
        audit.record(entry);
      } catch (err) {
        // The response is gone already; a failed audit write must at least be loud in the log.
        request.log.error({ err, entry }, 'cannot write audit record');
      }
      done();
    });
  },
  { name: 'kcloud-audit-hook', dependencies: ['kcloud-auth'] },
);
