import { TOPIC_KINDS, TOPIC_ROOT } from '../../shared/topics.js';
import type { Principal } from '../identity/authenticator.js';

export type AclDecision = { allow: true } | { allow: false; reason: string };

const ALLOW: AclDecision = { allow: true };
const deny = (reason: string): AclDecision => ({ allow: false, reason });

/**
 * A node publishes only `kcloud/v1/<its cluster>/<its name>/{telemetry,inventory,status}`;
 * users (any role) publish nothing: MQTT is read-only for people.
 */
export function canPublish(who: Principal, topic: string): AclDecision {
  if (who.kind === 'user') return deny('users may not publish');
  const prefix = `${TOPIC_ROOT}/${who.cluster}/${who.name}/`;
  if (!topic.startsWith(prefix)) return deny(`node ${who.name} may publish only under ${prefix}`);
  const kind = topic.slice(prefix.length);
  if (!(TOPIC_KINDS as readonly string[]).includes(kind)) return deny(`unknown topic kind "${kind}" (use ${TOPIC_KINDS.join(', ')})`);
  return ALLOW;
}

/**
 * Users may subscribe to anything under `kcloud/v1/` (read-only access for
 * dashboards, Node-RED, mosquitto_sub); a node only below its own prefix. A
 * filter is checked as text: since the prefix levels must be literal, a
 * wildcard can only widen the filter *inside* the allowed subtree.
 * Shared subscriptions (`$share/...`) and `$SYS` are refused to both.
 */
export function canSubscribe(who: Principal, filter: string): AclDecision {
  if (filter.startsWith('$')) return deny('$-topics are not available');
  const prefix = who.kind === 'user' ? `${TOPIC_ROOT}/` : `${TOPIC_ROOT}/${who.cluster}/${who.name}/`;
  if (!filter.startsWith(prefix)) return deny(`${who.kind === 'user' ? 'users' : `node ${who.name}`} may subscribe only under ${prefix}`);
  return ALLOW;
}
