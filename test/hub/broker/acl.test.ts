import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe } from '../../../hub/broker/acl.js';
import type { Principal } from '../../../hub/identity/authenticator.js';

const gpu01: Principal = { kind: 'node', id: 1, name: 'gpu-01', cluster: 'lab' };
const viewer: Principal = { kind: 'user', id: 7, username: 'grafana', role: 'viewer' };
const admin: Principal = { kind: 'user', id: 1, username: 'admin', role: 'admin' };

describe('canPublish', () => {
  it.each([
    [gpu01, 'kcloud/v1/lab/gpu-01/telemetry', true],
    [gpu01, 'kcloud/v1/lab/gpu-01/inventory', true],
    [gpu01, 'kcloud/v1/lab/gpu-01/status', true],
    // another node's topic, same cluster
    [gpu01, 'kcloud/v1/lab/gpu-02/telemetry', false],
    // its own name under another cluster
    [gpu01, 'kcloud/v1/prod/gpu-01/telemetry', false],
    // a name that only starts like its own
    [gpu01, 'kcloud/v1/lab/gpu-01x/telemetry', false],
    [gpu01, 'kcloud/v1/lab/gpu-01/commands', false],
    [gpu01, 'kcloud/v1/lab/gpu-01/telemetry/extra', false],
    [gpu01, 'kcloud/v1/lab/gpu-01/', false],
    [gpu01, '$SYS/broker/clients', false],
    [gpu01, 'other/topic', false],
    [viewer, 'kcloud/v1/lab/gpu-01/telemetry', false],
    [admin, 'kcloud/v1/lab/gpu-01/status', false],
  ])('%o publishing %s -> %s', (who, topic, allowed) => {
    expect(canPublish(who, topic).allow).toBe(allowed);
  });

  it('says why it refused', () => {
    const d = canPublish(gpu01, 'kcloud/v1/lab/gpu-02/telemetry');
    expect(d).toEqual({ allow: false, reason: 'node gpu-01 may publish only under kcloud/v1/lab/gpu-01/' });
  });
});

describe('canSubscribe', () => {
  it.each([
    [viewer, 'kcloud/v1/#', true],
    [viewer, 'kcloud/v1/+/+/telemetry', true],
    [viewer, 'kcloud/v1/lab/gpu-01/status', true],
    [admin, 'kcloud/v1/#', true],
    [viewer, '#', false],
    [viewer, 'kcloud/#', false],
    [viewer, '+/v1/#', false],
    [viewer, '$SYS/#', false],
    [viewer, '$share/g/kcloud/v1/#', false],
    [gpu01, 'kcloud/v1/lab/gpu-01/#', true],
    [gpu01, 'kcloud/v1/lab/gpu-01/status', true],
    [gpu01, 'kcloud/v1/lab/gpu-02/#', false],
    [gpu01, 'kcloud/v1/lab/+/telemetry', false],
    [gpu01, 'kcloud/v1/#', false],
    [gpu01, 'kcloud/v1/lab/gpu-01', false],
  ])('%o subscribing %s -> %s', (who, filter, allowed) => {
    expect(canSubscribe(who, filter).allow).toBe(allowed);
  });
});
