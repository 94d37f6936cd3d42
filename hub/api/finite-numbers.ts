import type { FastifyInstance } from 'fastify';

/**
 * Where a parsed request part holds Infinity or NaN: the keys leading to the
 * first such number (`[]` for the part itself), or null. Iterative, so a
 * deeply nested body cannot exhaust the stack.
 */
export function nonFinitePath(value: unknown): string[] | null {
  if (isFlatAndFinite(value)) return null;
  // Each entry links to its parent's, so a deep value does not copy its path at every level.
  type Trail = { key: string; up: Trail } | null;
  const stack: [unknown, Trail][] = [[value, null]];
  while (stack.length > 0) {
    const [v, trail] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const path: string[] = [];
      for (let t = trail; t; t = t.up) path.push(t.key);
      return path.reverse();
    }
    // Buffers (raw bodies) hold bytes, not numbers a client wrote.
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
      for (const [key, child] of Object.entries(v)) stack.push([child, { key, up: trail }]);
    }
  }
  return null;
}

/** The usual request part (absent, or a query of strings and numbers): nothing to walk, nothing allocated. */
function isFlatAndFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (ArrayBuffer.isView(value) || Array.isArray(value)) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'object' ? v !== null : typeof v === 'number' && !Number.isFinite(v)) return false;
  }
  return true;
}

const PARTS = ['querystring', 'params', 'body'] as const;

/** A schema validation failure as Fastify reports one, so that each area answers it as it answers any other invalid value. */
function validationError(part: 'querystring' | 'params' | 'body', path: string[]): Error {
  const message = 'must be a finite number';
  return Object.assign(new Error(`${[part, ...path].join('/')} ${message}`), {
    statusCode: 400,
    code: 'FST_ERR_VALIDATION',
    validation: [{ keyword: 'finite', instancePath: path.map((k) => `/${k}`).join(''), schemaPath: '', params: {}, message }],
    validationContext: part,
  });
}

/**
 * Refuses non-finite numbers in the query, path parameters and body after
 * schema validation. Ajv's type coercion turns the strings `Infinity` and
 * `-Infinity` into numbers and then skips the integer, minimum and maximum
 * checks of a value that is not finite, so `limit=Infinity` used to reach
 * the handlers (and SQLite: a 500). JSON has no Infinity, but `1e400` parses
 * to it. The refusal is a validation failure naming the field, in the
 * area's error body and status like any other invalid number.
 */
export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    for (const part of PARTS) {
      const path = nonFinitePath(part === 'querystring' ? request.query : part === 'params' ? request.params : request.body);
      if (path !== null) return done(validationError(part, path));
    }
    done();
  });
}
