/**
 * MQTT topic layout: `kcloud/v1/<cluster>/<node>/<kind>`.
 * telemetry: QoS 1 batches; inventory and status: QoS 1, retained; status
 * `offline` is also the Last Will.
 */
export const TOPIC_ROOT = 'kcloud/v1';
export const TOPIC_KINDS = ['telemetry', 'inventory', 'status'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

/** Cluster and node names become topic levels, so they may not contain MQTT wildcards or separators. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Prefix of agents' MQTT client ids: the broker keeps ids with it for the node they name. */
export const AGENT_CLIENT_ID_PREFIX = 'kcloud-agent-';

/** The MQTT client id of a node's agent (fixed, so its persistent session survives reconnects). */
export function agentClientId(cluster: string, node: string): string {
  return `${AGENT_CLIENT_ID_PREFIX}${cluster}-${node}`;
}

export function topicFor(cluster: string, node: string, kind: TopicKind): string {
  return `${TOPIC_ROOT}/${cluster}/${node}/${kind}`;
}

export interface ParsedTopic {
  cluster: string;
  node: string;
  kind: TopicKind;
}

/** Parses a kcloud topic; null when the topic is not one of ours. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , cluster, node, kind] = parts as [string, string, string, string, string];
  if (!NAME_PATTERN.test(cluster) || !NAME_PATTERN.test(node)) return null;
  if (!(TOPIC_KINDS as readonly string[]).includes(kind)) return null;
  return { cluster, node, kind: kind as TopicKind };
}
