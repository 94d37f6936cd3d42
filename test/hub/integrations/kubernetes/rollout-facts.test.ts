import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventFacts, rolloutFacts } from '../../../../hub/integrations/kubernetes/rollout-facts.js';

/** A Deployment of 3 replicas at generation 2 with the status given. */
const deployment = (status: V1Deployment['status']): V1Deployment => ({ metadata: { name: 'callbot', generation: 2 }, spec: { replicas: 3, selector: {}, template: {} }, status });

describe("rolloutFacts: a Deployment's rollout by kubectl rollout status's rules", () => {
  it('available only when the controller saw the generation, every replica is updated, no old one is left and the updated ones are available', () => {
    expect(rolloutFacts(deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }))).toEqual({
      name: 'callbot', desired: 3, updated: 3, ready: 3, available: 3, state: 'available', reason: null,
    });
    const waiting = (status: V1Deployment['status']) => rolloutFacts(deployment(status))!;
    expect(waiting({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 })).toMatchObject({ state: 'progressing', reason: 'waiting for the controller to observe the new generation' });
    expect(waiting({ observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 3 })).toMatchObject({ state: 'progressing', reason: '1 of 3 replicas updated' });
    expect(waiting({ observedGeneration: 2, replicas: 5, updatedReplicas: 3, availableReplicas: 5 })).toMatchObject({ state: 'progressing', reason: '2 old replicas terminating' });
    expect(waiting({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 })).toMatchObject({ state: 'progressing', reason: '2 of 3 updated replicas available' });
    // The apiserver leaves zero counts out: none is 0, never "available".
    expect(waiting({ observedGeneration: 2, replicas: 3, updatedReplicas: 3 })).toMatchObject({ state: 'progressing', available: 0 });
  });

  it('failed when its Progressing condition says ProgressDeadlineExceeded', () => {
    const f = rolloutFacts(deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "callbot-x" has timed out progressing.' }] }));
    expect(f).toMatchObject({ state: 'failed', reason: 'ProgressDeadlineExceeded: ReplicaSet "callbot-x" has timed out progressing.' });
  });
});

describe('eventFacts', () => {
  it('takes lastTimestamp, else eventTime, as a Date (list) or a string (watch); the object as <kind> <name>', () => {
    const base = { metadata: { name: 'callbot.1', namespace: 'ns' }, involvedObject: { kind: 'Deployment', name: 'callbot' }, reason: 'ScalingReplicaSet', message: 'Scaled up', type: 'Normal' };
    expect(eventFacts({ ...base, lastTimestamp: new Date('2026-01-02T03:04:05Z') })).toEqual({ key: 'ns/callbot.1', at: Date.parse('2026-01-02T03:04:05Z'), type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up', object: 'Deployment callbot', count: 1 });
    expect(eventFacts({ ...base, eventTime: '2026-01-02T03:04:06.123456Z' as unknown as Date })?.at).toBe(Date.parse('2026-01-02T03:04:06.123Z'));
    expect(eventFacts({ ...base })).toBeNull();
  });
});
