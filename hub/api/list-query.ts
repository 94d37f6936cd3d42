import { Type, type TSchema } from '@sinclair/typebox';
import { invalidParameter } from './errors.js';

/**
 * The list conventions of skyclust-api.md ("페이지네이션", "정렬", "필터링"),
 * shared by every list endpoint: `limit` (default 20, at most 100: more is a
 * 400, not silently clamped), `offset`, `sort=field:asc|desc` against the
 * endpoint's own fields, repeatable filters (`status=a&status=b`) and the
 * `pagination` object of the responses.
 */
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
/** Beyond any table the hub keeps; bounds the OFFSET SQLite has to skip. */
const MAX_OFFSET = 1_000_000;
/** `created_at:desc,name:asc` is the longest useful sort; more keys only cost. */
const MAX_SORT_KEYS = 3;

/** Query-string properties of a list endpoint (spread them into its querystring schema). */
export function listQueryProps(opts: { defaultLimit?: number; sortFields?: SortFields } = {}) {
  const sortHelp = opts.sortFields ? `field:asc|desc, comma-separated; fields: ${Object.keys(opts.sortFields).join(', ')}` : 'field:asc|desc';
  return {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `results per page (default ${opts.defaultLimit ?? DEFAULT_LIMIT}, at most ${MAX_LIMIT})` })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET, description: 'results to skip' })),
    sort: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: sortHelp })),
  };
}

/**
 * A repeatable filter parameter (`?action=create&action=delete`). Fastify's
 * Ajv coerces a single value into a one-element array (`coerceTypes: 'array'`).
 */
export function multiValue<T extends TSchema>(item: T, description?: string) {
  return Type.Optional(Type.Array(item, { minItems: 1, maxItems: 20, ...(description ? { description } : {}) }));
}

/** An ISO 8601 timestamp parameter (`2024-01-01T00:00:00Z`). */
export const TimeParam = Type.String({ format: 'date-time', maxLength: 40 });

export interface Page {
  limit: number;
  offset: number;
}

/** limit/offset of a request, with the endpoint's default limit. */
export function pageOf(q: { limit?: number; offset?: number }, defaultLimit = DEFAULT_LIMIT): Page {
  return { limit: q.limit ?? defaultLimit, offset: q.offset ?? 0 };
}

/** The documented `pagination` object. */
export function pagination(page: Page, total: number) {
  return { limit: page.limit, offset: page.offset, total, has_next: page.offset + page.limit < total, has_prev: page.offset > 0 };
}

/**
 * An endpoint's sortable fields: API name -> SQL column. The columns are
 * written in code; the user's text only selects one of them, so nothing
 * the client sends reaches the SQL.
 */
export type SortFields = Readonly<Record<string, string>>;

export interface SortKey {
  field: string;
  column: string;
  direction: 'ASC' | 'DESC';
}

/** Parses `name:asc,created_at:desc` (direction defaults to asc); a field or direction not allowed is a 400 naming `sort`. */
export function parseSort(text: string | undefined, fields: SortFields, fallback: string): SortKey[] {
  const keys = (text ?? fallback).split(',');
  if (keys.length > MAX_SORT_KEYS) throw invalidParameter('sort', `at most ${MAX_SORT_KEYS} keys`);
  return keys.map((key) => {
    const [field = '', direction = 'asc', ...rest] = key.trim().split(':');
    if (!Object.hasOwn(fields, field)) throw invalidParameter('sort', `unknown field "${field.slice(0, 40)}"; use one of ${Object.keys(fields).join(', ')}`);
    if (rest.length > 0 || (direction !== 'asc' && direction !== 'desc')) throw invalidParameter('sort', `direction must be asc or desc, as in ${field}:desc`);
    return { field, column: fields[field]!, direction: direction === 'asc' ? 'ASC' : 'DESC' };
  });
}

/** `ORDER BY ...` for parsed keys; `tiebreak` (a unique column) keeps pages stable when sort values repeat. */
export function orderBy(keys: readonly SortKey[], tiebreak: string): string {
  return `ORDER BY ${[...keys.map((k) => `${k.column} ${k.direction}`), tiebreak].join(', ')}`;
}

/**
 * WHERE clause built from fixed column names and bound values; filters whose
 * value is absent are left out. Columns must be literals in code.
 */
export class Where {
  private readonly conds: string[] = [];
  readonly args: (string | number)[] = [];

  /** A fixed condition with its bound values (`'user_id = ?', 3`). */
  add(cond: string, ...args: (string | number)[]): this {
    this.conds.push(cond);
    this.args.push(...args);
    return this;
  }

  eq(column: string, value: string | number | undefined): this {
    return value === undefined ? this : this.add(`${column} = ?`, value);
  }

  /** `column IN (...)` for a repeatable filter. */
  in(column: string, values: readonly (string | number)[] | undefined): this {
    if (!values || values.length === 0) return this;
    return this.add(`${column} IN (${values.map(() => '?').join(', ')})`, ...values);
  }

  /** start <= column <= end, each side optional. */
  between(column: string, start: number | undefined, end: number | undefined): this {
    if (start !== undefined) this.add(`${column} >= ?`, start);
    if (end !== undefined) this.add(`${column} <= ?`, end);
    return this;
  }

  get sql(): string {
    return this.conds.length ? `WHERE ${this.conds.join(' AND ')}` : '';
  }
}

/** start_time/end_time as ms since the epoch; end before start is a 400 naming `end_time`. */
export function timeRange(q: { start_time?: string; end_time?: string }): { start?: number; end?: number } {
  const start = q.start_time === undefined ? undefined : Date.parse(q.start_time);
  const end = q.end_time === undefined ? undefined : Date.parse(q.end_time);
  if (start !== undefined && Number.isNaN(start)) throw invalidParameter('start_time', 'not an ISO 8601 timestamp');
  if (end !== undefined && Number.isNaN(end)) throw invalidParameter('end_time', 'not an ISO 8601 timestamp');
  if (start !== undefined && end !== undefined && end < start) throw invalidParameter('end_time', 'must not be before start_time');
  return { start, end };
}
