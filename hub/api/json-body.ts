import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * `application/json` bodies as Fastify parses them (secure-json-parse,
 * `__proto__` and `constructor` keys refused), except that an empty body is
 * not an error: the ECP seed sends `Content-Type: application/json` on
 * every request, and common HTTP clients do on DELETE and bodiless PUT/POST
 * too. A route that takes no body gets none; one that declares a body schema
 * gets `{}`, which its schema then accepts (all fields optional) or refuses
 * naming the first missing field, like any other incomplete body.
 */
export function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request: FastifyRequest, body: string, done) => {
    if (body.length === 0) return done(null, request.routeOptions.schema?.body === undefined ? undefined : {});
    parseJson(request, body, done);
  });
}
