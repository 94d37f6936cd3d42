import { describe, expect, it } from 'vitest';
import { SessionOwners } from '../../../hub/broker/session-owners.js';
import type { Principal } from '../../../hub/identity/authenticator.js';

const node = (id: number, name: string): Principal => ({ kind: 'node', id, name, cluster: 'lab' });
const viewer: Principal = { kind: 'user', id: 7, username: 'grafana', role: 'viewer' };

describe('SessionOwners (client ids bound to principals)', () => {
  it("gives a node's agent id to that node only", () => {
    const o = new SessionOwners(4);
    expect(o.claim('kcloud-agent-lab-gpu-01', viewer, false, {})).toMatchObject({ ok: false, returnCode: 2 });
    expect(o.claim('kcloud-agent-lab-gpu-01', node(2, 'gpu-02'), false, {})).toMatchObject({ ok: false, returnCode: 2 });
    // A cluster and name that concatenate to the same text are still another node.
    expect(o.claim('kcloud-agent-lab-gpu-01', { kind: 'node', id: 3, name: 'gpu-01', cluster: 'lab-x' }, false, {})).toMatchObject({ ok: false });
    expect(o.claim('kcloud-agent-lab-gpu-01', node(1, 'gpu-01'), false, {})).toEqual({ ok: true });
  });

  it('refuses an id held by another principal until its clean session ends; the holder may take it over', () => {
    const o = new SessionOwners(4);
    const conn = {};
    expect(o.claim('dash', viewer, false, conn).ok).toBe(true);
    expect(o.claim('dash', node(1, 'gpu-01'), false, {}).ok).toBe(false);
    const again = {};
    expect(o.claim('dash', viewer, false, again).ok).toBe(true);
    // The first connection's close does not end the id the second one holds now.
    o.closed('dash', conn);
    expect(o.claim('dash', node(1, 'gpu-01'), false, {}).ok).toBe(false);
    o.closed('dash', again);
    expect(o.claim('dash', node(1, 'gpu-01'), false, {}).ok).toBe(true);
  });

  it('keeps a persistent session for its principal until it expires, and limits persistent sessions per principal', () => {
    let t = 0;
    const o = new SessionOwners(1, () => t);
    const conn = {};
    expect(o.claim('p1', viewer, true, conn).ok).toBe(true);
    expect(o.claim('p2', viewer, true, {})).toMatchObject({ ok: false, returnCode: 5 });
    o.closed('p1', conn);
    expect(o.claim('p1', node(1, 'gpu-01'), false, {}).ok).toBe(false);
    t = 999;
    expect(o.expire(1000)).toEqual([]);
    t = 1000;
    expect(o.expire(1000)).toEqual(['p1']);
    expect(o.claim('p2', viewer, true, {}).ok).toBe(true);
  });
});
