import type { FastifyServerOptions } from 'fastify';

/** The request validator's Ajv instance, as Fastify's `ajv.onCreate` hands it over. */
type Ajv = Parameters<NonNullable<NonNullable<FastifyServerOptions['ajv']>['onCreate']>>[0];

/**
 * Narrows the `date-time` format of the request validator to timestamps a
 * JavaScript Date can hold. RFC 3339 allows a leap second
 * (`2026-12-31T23:59:60Z`) and ajv-formats accepts it, but `Date.parse`
 * gives NaN for it: an API key made with that expiry was stored with none
 * (NaN is NULL in SQLite). Refused at validation, the 400 names the field
 * like any other malformed timestamp.
 */
export function representableDateTimes(ajv: Ajv): void {
  const rfc3339 = ajv.formats['date-time'];
  if (typeof rfc3339 !== 'object' || !('validate' in rfc3339) || typeof rfc3339.validate !== 'function') throw new Error('ajv-formats\' date-time format is not loaded');
  const valid = rfc3339.validate as (s: string) => boolean;
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => valid(s) && Number.isFinite(Date.parse(s)) });
}
