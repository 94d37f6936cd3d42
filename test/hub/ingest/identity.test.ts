import { describe, expect, it } from 'vitest';
import { checkIdentity } from '../../../hub/ingest/identity.js';
import type { NodeRef } from '../../../hub/ingest/types.js';

const gpu01: NodeRef = { id: 1, name: 'gpu-01', cluster: 'lab' };
const registry = new Map([['gpu-01', gpu01]]);
const lookup = (n: string) => registry.get(n) ?? null;
const topic = (cluster: string, node: string) => ({ cluster, node, kind: 'telemetry' as const });

describe('checkIdentity', () => {
  it.each<[string, ReturnType<typeof topic>, { node: string; cluster: string }, NodeRef | null, string | null]>([
    ['own topic, authenticated', topic('lab', 'gpu-01'), { node: 'gpu-01', cluster: 'lab' }, gpu01, null],
    ['own topic, external broker (registered node)', topic('lab', 'gpu-01'), { node: 'gpu-01', cluster: 'lab' }, null, null],
    ['message names another node than its topic', topic('lab', 'gpu-01'), { node: 'gpu-02', cluster: 'lab' }, gpu01, 'identity_mismatch'],
    ['message names another cluster than its topic', topic('lab', 'gpu-01'), { node: 'gpu-01', cluster: 'prod' }, gpu01, 'identity_mismatch'],
    ['topic of another node than the client', topic('lab', 'gpu-02'), { node: 'gpu-02', cluster: 'lab' }, gpu01, 'identity_mismatch'],
    ['registered node under another cluster (external broker)', topic('prod', 'gpu-01'), { node: 'gpu-01', cluster: 'prod' }, null, 'identity_mismatch'],
    ['unregistered node (external broker)', topic('lab', 'gpu-09'), { node: 'gpu-09', cluster: 'lab' }, null, 'unknown_node'],
  ])('%s', (_name, t, msg, sender, reason) => {
    const r = checkIdentity(t, msg, sender, lookup);
    if (reason === null) expect(r).toEqual({ ok: true, node: gpu01 });
    else expect(r).toMatchObject({ ok: false, rejection: { reason } });
  });
});
