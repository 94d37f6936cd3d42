import { NAME_PATTERN } from '../../shared/topics.js';
import type { HubDb } from '../core/db.js';

/** Thrown for a user or node that cannot be created or changed as asked (exit 1 in the CLI). */
export class IdentityError extends Error {
  override name = 'IdentityError';
}

/**
 * Node and user names share one namespace, because both are MQTT usernames:
 * `alice` the viewer and `alice` the node could not both log in.
 */
export function assertNameFree(db: HubDb, name: string): void {
  if (!NAME_PATTERN.test(name)) throw new IdentityError(`invalid name "${name}": letters, digits, '.', '_' and '-', at most 63, starting with a letter or digit`);
  const taken = db.prepare('SELECT 1 FROM users WHERE username = ? UNION ALL SELECT 1 FROM nodes WHERE name = ?').get(name, name);
  if (taken) throw new IdentityError(`the name "${name}" is already used by a user or a node`);
}
