import type { CoreV1Event, V1Deployment } from '@kubernetes/client-node';

/** Where a Deployment's rollout stands, as `kubectl rollout status` judges it. */
export type RolloutState = 'available' | 'progressing' | 'failed';

/** What the hub keeps of a tenant's Deployment (a watched or listed object is reduced to this). */
export interface RolloutFacts {
  name: string;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  state: RolloutState;
  /** Why it is not available: the Progressing condition's reason and message, or what it waits for; null when available. */
  reason: string | null;
}

/** What the hub keeps of a core/v1 Event of a tenant's namespace. */
export interface EventFacts {
  /** `namespace/name` of the Event object (the watch's key). */
  key: string;
  /** When it last happened (ms): lastTimestamp, else eventTime, else firstTimestamp, else the object's creation. */
  at: number;
  type: string;
  reason: string;
  message: string;
  /** `<kind> <name>` of the object it is about. */
  object: string;
  count: number;
}

/** client-node's lists give Dates, its watch events the JSON strings: both are read. */
const msOf = (v: Date | string | undefined | null): number | null => {
  if (v === undefined || v === null) return null;
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
};

/**
 * A Deployment's rollout by the rules `kubectl rollout status` applies
 * (its DeploymentStatusViewer): the controller has not seen the newest
 * generation yet, the Progressing condition says ProgressDeadlineExceeded
 * (failed), fewer updated replicas than wanted, old replicas still
 * terminating, or updated replicas not yet available: progressing; else
 * available.
 */
export function rolloutFacts(d: V1Deployment): RolloutFacts | null {
  const name = d.metadata?.name;
  if (!name) return null;
  const s = d.status ?? {};
  const desired = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const base = { name, desired, updated, ready: s.readyReplicas ?? 0, available };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { ...base, state: 'failed', reason: `ProgressDeadlineExceeded: ${progressing.message ?? ''}`.trim() };
  let waiting: string | null = null;
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) waiting = 'waiting for the controller to observe the new generation';
  else if (updated < desired) waiting = `${updated} of ${desired} replicas updated`;
  else if ((s.replicas ?? 0) > updated) waiting = `${(s.replicas ?? 0) - updated} old replicas terminating`;
  else if (available < updated) waiting = `${available} of ${updated} updated replicas available`;
  return waiting === null ? { ...base, state: 'available', reason: null } : { ...base, state: 'progressing', reason: waiting };
}

export function eventFacts(e: CoreV1Event): EventFacts | null {
  const m = e.metadata;
  if (!m?.name) return null;
  const at = msOf(e.lastTimestamp) ?? msOf(e.eventTime as Date | string | undefined) ?? msOf(e.firstTimestamp) ?? msOf(m.creationTimestamp);
  if (at === null) return null;
  return {
    key: `${m.namespace ?? ''}/${m.name}`,
    at,
    type: e.type ?? 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    object: `${e.involvedObject?.kind ?? ''} ${e.involvedObject?.name ?? ''}`.trim(),
    count: e.count ?? 1,
  };
}
