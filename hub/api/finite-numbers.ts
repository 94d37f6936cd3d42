import type { FastifyInstance } from 'fastify';
import { invalidParameter } from './errors.js';

/**
 * Where a parsed request part holds Infinity or NaN: the dotted path to the
 * first such number (`''` for the part itself), or null. Iterative, so a
 * deeply nested body cannot exhaust the stack.
 */
export function nonFinitePath(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) return path;
    // Buffers (raw bodies) hold bytes, not numbers a client wrote.
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
      for (const [k, child] of Object.entries(v)) stack.push([child, path ? `${path}.${k}` : k]);
    }
  }
  return null;
}

/**
 * Refuses non-finite numbers in the query, path parameters and body after
 * schema validation. Ajv's type coercion turns the strings `Infinity` and
 * `-Infinity` into numbers and then skips the integer, minimum and maximum
 * checks of a value that is not finite, so `limit=Infinity` used to reach
 * the handlers (and SQLite: a 500). JSON has no Infinity, but `1e400` parses
 * to it. The 400 names the field, in the area's error body like any other
 * invalid parameter.
 */
export function refuseNonFiniteNumbers(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    for (const [part, value] of [['querystring', request.query], ['params', request.params], ['body', request.body]] as const) {
      const path = nonFinitePath(value);
      if (path !== null) throw invalidParameter(path || part, 'must be a finite number');
    }
  });
}
