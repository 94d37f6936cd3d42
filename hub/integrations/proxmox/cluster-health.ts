import type { ClusterStatusResult } from './api-types.js';
import type { PveError } from './errors.js';

/** The registry's ClusterStatus (proxmoxer-cluster-api.md). */
export type ClusterHealth = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

export interface HealthReading {
  status: ClusterHealth;
  /** Why it is not healthy, for the operator; null when healthy. */
  reason: string | null;
  nodeNames: string[];
}

const on = (v: unknown) => v === 1 || v === true || v === '1';

/**
 * Health from `GET /cluster/status`: healthy when quorate with every node
 * online, degraded when some node is offline or the cluster lost quorum. A
 * standalone node has no `cluster` entry: its own answer makes it healthy.
 */
export function healthFromStatus(entries: ClusterStatusResult): HealthReading {
  const nodes = entries.filter((e) => e.type === 'node');
  const cluster = entries.find((e) => e.type === 'cluster');
  const offline = nodes.filter((n) => !on(n.online)).map((n) => n.name);
  const problems: string[] = [];
  if (cluster && !on(cluster.quorate)) problems.push('cluster not quorate');
  if (offline.length > 0) problems.push(`node${offline.length > 1 ? 's' : ''} offline: ${offline.join(', ')}`);
  return { status: problems.length ? 'degraded' : 'healthy', reason: problems.length ? problems.join('; ') : null, nodeNames: nodes.map((n) => n.name).sort() };
}

/** A failed check: unreachable, refused credentials, or a certificate that is not the trusted one. */
export function unhealthyFrom(err: PveError): string {
  const what = { auth: 'authentication failed', tls: 'TLS refused', timeout: 'timed out', network: 'unreachable', protocol: 'unexpected answer', api: 'API error' }[err.kind];
  return `${what}: ${err.message}`;
}
