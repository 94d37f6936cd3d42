import { Type, type Static } from '@sinclair/typebox';
import type { DbWriteHealth } from '../identity/db-write-health.js';

/** Whether hub.db takes writes (logins are refused while it does not), as the health endpoints report it. */
export const StoreWriteState = Type.Object(
  {
    writable: Type.Boolean(),
    reason: Type.Union([Type.Literal('read-only'), Type.Literal('disk full'), Type.Literal('write failed'), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()], { description: "SQLite's message for the failed write" }),
    since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { description: 'hub.db (users, credentials, login throttle, audit log): while it takes no writes, logins answer 503 and the status is degraded' },
);

export function storeWriteView(health: DbWriteHealth): Static<typeof StoreWriteState> {
  const s = health.state();
  return s.writable ? { writable: true, reason: null, error: null, since: null } : { writable: false, reason: s.reason, error: s.error, since: new Date(s.since).toISOString() };
}
