import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toApiError } from '../../../hub/api/errors.js';
import { listQueryProps, multiValue, orderBy, pageOf, pagination, parseSort, timeRange, Where } from '../../../hub/api/list-query.js';

const FIELDS = { name: 'name', created_at: 'created_ts' } as const;

const parameterOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return toApiError(err).details?.parameter;
  }
  throw new Error('expected a 400');
};

describe('list conventions: sort', () => {
  it('maps fields to their columns, direction defaulting to asc', () => {
    expect(parseSort('name:desc', FIELDS, 'name:asc')).toEqual([{ field: 'name', column: 'name', direction: 'DESC' }]);
    expect(parseSort(undefined, FIELDS, 'created_at:desc')).toEqual([{ field: 'created_at', column: 'created_ts', direction: 'DESC' }]);
    expect(parseSort('created_at,name:asc', FIELDS, 'name')).toEqual([
      { field: 'created_at', column: 'created_ts', direction: 'ASC' },
      { field: 'name', column: 'name', direction: 'ASC' },
    ]);
    expect(orderBy(parseSort('created_at:desc', FIELDS, 'name'), 'id')).toBe('ORDER BY created_ts DESC, id');
  });

  it('refuses unknown fields, bad directions and injected SQL, naming sort', () => {
    for (const bad of ['owner', 'name:up', 'name:asc:x', 'name; DROP TABLE users', "name:asc, (SELECT 1)", 'constructor', '__proto__', 'a,b,c,d', '']) {
      expect(parameterOf(() => parseSort(bad, FIELDS, 'name'))).toBe('sort');
    }
  });
});

describe('list conventions: pages, filters, time ranges', () => {
  it('defaults the page and reports has_next/has_prev from the total', () => {
    expect(pageOf({})).toEqual({ limit: 20, offset: 0 });
    expect(pageOf({}, 50)).toEqual({ limit: 50, offset: 0 });
    expect(pagination({ limit: 20, offset: 0 }, 150)).toEqual({ limit: 20, offset: 0, total: 150, has_next: true, has_prev: false });
    expect(pagination({ limit: 20, offset: 140 }, 150)).toEqual({ limit: 20, offset: 140, total: 150, has_next: false, has_prev: true });
    expect(pagination({ limit: 10, offset: 0 }, 10).has_next).toBe(false);
  });

  it('builds WHERE from fixed columns with every value bound', () => {
    const w = new Where().eq('user_id', 3).in('status', ['running', 'pending']).in('type', []).eq('x', undefined).between('ts', 10, undefined);
    expect(w.sql).toBe('WHERE user_id = ? AND status IN (?, ?) AND ts >= ?');
    expect(w.args).toEqual([3, 'running', 'pending', 10]);
    expect(new Where().sql).toBe('');
  });

  it('parses start_time/end_time and refuses an end before the start', () => {
    expect(timeRange({ start_time: '2024-01-01T00:00:00Z', end_time: '2024-01-02T00:00:00Z' })).toEqual({ start: Date.UTC(2024, 0, 1), end: Date.UTC(2024, 0, 2) });
    expect(timeRange({})).toEqual({ start: undefined, end: undefined });
    expect(parameterOf(() => timeRange({ start_time: '2024-01-02T00:00:00Z', end_time: '2024-01-01T00:00:00Z' }))).toBe('end_time');
  });
});

describe('list conventions in a route (Fastify validation)', () => {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  beforeAll(async () => {
    app.setErrorHandler((err, _req, reply) => {
      const e = toApiError(err);
      return reply.status(e.statusCode).send({ code: e.code, parameter: e.details?.parameter });
    });
    app.get('/items', { schema: { querystring: Type.Object({ status: multiValue(Type.String({ pattern: '^[a-z]+$' })), ...listQueryProps({ sortFields: FIELDS }) }) } }, async (req) => ({
      query: req.query,
      page: pageOf(req.query),
    }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('takes a repeated filter as a list and a single value as a one-element list', async () => {
    expect((await app.inject({ url: '/items?status=running&status=pending' })).json().query.status).toEqual(['running', 'pending']);
    expect((await app.inject({ url: '/items?status=running' })).json().query.status).toEqual(['running']);
  });

  it('applies limit 1..100 and offset >= 0, naming the parameter otherwise', async () => {
    expect((await app.inject({ url: '/items?limit=100&offset=5' })).json().page).toEqual({ limit: 100, offset: 5 });
    for (const [q, param] of [
      ['limit=101', 'limit'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=99999999999', 'offset'],
      [`sort=${'x'.repeat(500)}`, 'sort'],
      ['status=a%27%3B%20DROP', 'status.0'],
    ] as const) {
      const res = await app.inject({ url: `/items?${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().parameter, q).toBe(param);
    }
  });
});
