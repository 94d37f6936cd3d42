import type { ParsedTopic } from '../../shared/topics.js';
import type { NodeRef, Rejection } from './types.js';

/**
 * Step 3: the node and cluster inside the message must equal the topic's,
 * and the topic's must equal the authenticated client's (embedded broker) or
 * a registered node's (external broker, where the broker did the login).
 * So a node cannot write samples labelled as another node by any route.
 */
export function checkIdentity(
  topic: ParsedTopic,
  msg: { node: string; cluster: string },
  sender: NodeRef | null,
  lookup: (name: string) => NodeRef | null,
): { ok: true; node: NodeRef } | { ok: false; rejection: Rejection } {
  if (msg.node !== topic.node) return mismatch('/node', `message node "${msg.node}" differs from topic node "${topic.node}"`);
  if (msg.cluster !== topic.cluster) return mismatch('/cluster', `message cluster "${msg.cluster}" differs from topic cluster "${topic.cluster}"`);
  const node = sender ?? lookup(topic.node);
  if (!node) return { ok: false, rejection: { reason: 'unknown_node', field: '/node', message: `node "${topic.node}" is not registered (kcloud-hub node add)` } };
  if (node.name !== topic.node || node.cluster !== topic.cluster) {
    return mismatch('/', `topic ${topic.cluster}/${topic.node} does not belong to node ${node.cluster}/${node.name}`);
  }
  return { ok: true, node };
}

function mismatch(field: string, message: string): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { reason: 'identity_mismatch', field, message } };
}
