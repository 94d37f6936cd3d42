import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Response schemas are also the serialiser (fast-json-stringify): a field a
 * schema does not declare is dropped and a value is coerced to the declared
 * type (null to "" or 0). So every field that can be null says so here.
 */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Free-form objects (error details, audit details, notification data): every property goes out as it is. */
export const OpenObject = Type.Object({}, { additionalProperties: true });

/** One of a fixed list of words (roles, notification types). */
export const oneOf = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const IsoTime = Type.String({ format: 'date-time' });

/** Users, workspaces, notifications and audit records are named by UUID in skyclust-api; a malformed one in a path or query is a 400. */
export const Uuid = Type.String({ format: 'uuid' });

/** The list conventions' `pagination` object (hub/api/list-query.ts pagination()). */
export const Pagination = Type.Object({
  limit: Type.Integer(),
  offset: Type.Integer(),
  total: Type.Integer(),
  has_next: Type.Boolean(),
  has_prev: Type.Boolean(),
});

/** skyclust-api's success envelope around `data` (envelope.ts ok()). */
export function Ok<T extends TSchema>(data: T) {
  return Type.Object({ success: Type.Literal(true), message: Type.String(), data, request_id: Type.String(), timestamp: IsoTime }, { description: 'skyclust-api success envelope' });
}

/** skyclust-api's error body (errors.ts); `data` carries the details, e.g. `{parameter}` of a 400. */
export const SkyError = Type.Object(
  { success: Type.Literal(false), error: Type.String(), code: Type.String(), data: OpenObject, request_id: Type.String(), timestamp: IsoTime },
  { description: 'skyclust-api error body' },
);

/** Every refusal and failure of a route: 400, 401, 403, 404, 409, 413, 429, 5xx. */
export const SkyErrors = { '4xx': SkyError, '5xx': SkyError };
