import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { EcpDeploymentEvent } from '../../../../hub/bus.js';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.29';
const headers = { 'content-type': 'application/json', 'x-demo-mode': 'false' };
const body = (tenant_id: string) => JSON.stringify({ tenant_id, name: tenant_id, service_requirements: { callbot: 30, chatbot: 50 }, sla_target: { availability: '99.5%', response_time: '200ms' } });
const ADMIN = `Basic ${Buffer.from('admin:test-admin-password').toString('base64')}`;

interface Status {
  status: string;
  progress: number;
  phase: string;
  created_resources: { type: string; name: string; status: string; replicas?: string; reason?: string }[];
  pending_resources: { type: string; name: string; status: string; replicas?: string; reason?: string }[];
  estimated_completion: string | null;
  logs: { level: string; message: string }[];
  live?: { cluster: string; source: string | null; reason: string | null };
}

/** Resolves with the task's first bus event that `match` accepts (the deployer's progress as it publishes it). */
function busEvent(hub: ApiHub, deploymentId: string, match: (e: EcpDeploymentEvent) => boolean): Promise<EcpDeploymentEvent> {
  return new Promise((resolve) => {
    const on = (e: EcpDeploymentEvent) => {
      if (e.deploymentId !== deploymentId || !match(e)) return;
      hub.hub.bus.off('ecp-deployment', on);
      resolve(e);
    };
    hub.hub.bus.on('ecp-deployment', on);
  });
}

describe('real tenants: deployment status and the deployment WebSocket from the live Deployments and events (fake apiserver holding rollouts)', () => {
  const fake = new FakeApiServer({ runPods: true });
  let hub: ApiHub;
  let dir: string;
  const status = async (tenant: string): Promise<Status> => (await hub.request(`/api/v1/tenants/${tenant}/deployment-status`, { headers })).json();
  const deployment = (s: Status, name: string) => [...s.created_resources, ...s.pending_resources].find((r) => r.type === 'Deployment' && r.name === name);

  beforeAll(async () => {
    await fake.start();
    const allocatable = { cpu: '512', memory: '2Ti', 'nvidia.com/gpu': '64' };
    fake.putObject('nodes', { metadata: { name: 'gpu-node' }, status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] } });
    dir = mkdtempSync(join(tmpdir(), 'kcloud-rollout-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeconfig(), { mode: 0o600 });
    hub = await startApiHub({ kubernetes: { clusters: [{ name: 'fake', kubeconfig }], stepInterval: '20ms', watch: { retryMin: '50ms', retryMax: '200ms' } }, ecp: { demoStepInterval: '20ms' } });
  });
  afterAll(async () => {
    await hub?.close();
    await fake.stop();
  });

  it('deployment-status reads the live Deployments: held rollouts are pending (Progressing, 0/2) in scaling-services with the events in the logs; available, the task completes and the tenant runs', async () => {
    fake.holdRollouts = true;
    const res = await hub.request('/api/v1/tenants', { method: 'POST', headers, body: body('rolling') });
    expect(res.status).toBe(201);
    const { deployment_id } = await res.json();
    // Every object applied, both rollouts held: the task waits in scaling-services (9 objects + 2 rollouts: 9/11).
    await vi.waitFor(async () => expect((await status('rolling')).phase).toBe('scaling-services'), { timeout: 30_000, interval: 50 });
    const held = await status('rolling');
    expect(held).toMatchObject({ status: 'deploying', progress: 82, estimated_completion: null, live: { cluster: 'fake', source: 'watch', reason: null } });
    expect(deployment(held, 'callbot')).toEqual({ type: 'Deployment', name: 'callbot', status: 'Progressing', replicas: '0/2', reason: '0 of 2 updated replicas available' });
    expect(held.pending_resources.map((r) => r.name).sort()).toEqual(['callbot', 'chatbot']);
    expect(held.created_resources).toContainEqual({ type: 'Namespace', name: 'ecp-ai-rolling', status: 'Active' });
    // The namespace's events, as the controllers and the kubelet wrote them, are in the logs beside the task's own lines.
    const messages = held.logs.map((l) => l.message);
    expect(messages).toContainEqual(expect.stringMatching(/^Deployment callbot: ScalingReplicaSet: Scaled up replica set callbot-[a-z0-9]{10} to 2$/));
    expect(messages).toContainEqual(expect.stringMatching(/^Pod callbot-[a-z0-9]{10}-[a-z0-9]{5}: Scheduled: Successfully assigned ecp-ai-rolling\/callbot-\S+ to gpu-node$/));
    expect(messages).toContainEqual(expect.stringMatching(/^Pod chatbot-\S+: Started: Started container chatbot$/));
    expect(messages).toContain('Deployment callbot applied');
    expect((await (await hub.request('/api/v1/tenants/rolling', { headers })).json()).status).toBe('pending');

    // One rollout done: callbot is created (Available 2/2), chatbot still pending; 10/11.
    fake.completeRollout('ecp-ai-rolling', 'callbot');
    await vi.waitFor(async () => expect(deployment(await status('rolling'), 'callbot')?.status).toBe('Available'), { timeout: 10_000, interval: 50 });
    const half = await status('rolling');
    expect(half).toMatchObject({ status: 'deploying', progress: 91, phase: 'scaling-services' });
    expect(half.created_resources).toContainEqual({ type: 'Deployment', name: 'callbot', status: 'Available', replicas: '2/2' });
    expect(half.pending_resources).toEqual([expect.objectContaining({ name: 'chatbot', status: 'Progressing', replicas: '0/2' })]);

    const done = busEvent(hub, deployment_id, (e) => e.status !== 'deploying');
    fake.completeRollout('ecp-ai-rolling', 'chatbot');
    expect(await done).toMatchObject({ status: 'completed', progress: 100, phase: 'completed', message: 'tenant running' });
    const final = await status('rolling');
    expect(final).toMatchObject({ status: 'completed', progress: 100, pending_resources: [] });
    expect(final.created_resources.filter((r) => r.type === 'Deployment')).toEqual([
      { type: 'Deployment', name: 'callbot', status: 'Available', replicas: '2/2' },
      { type: 'Deployment', name: 'chatbot', status: 'Available', replicas: '2/2' },
    ]);
    expect((await (await hub.request('/api/v1/tenants/rolling', { headers })).json()).status).toBe('running');
  });

  it('a rollout past its progress deadline fails the deployment (DEPLOYMENT_FAILED: ProgressDeadlineExceeded) and the tenant', async () => {
    fake.holdRollouts = true;
    const { deployment_id } = await (await hub.request('/api/v1/tenants', { method: 'POST', headers, body: body('stuck') })).json();
    await vi.waitFor(async () => expect((await status('stuck')).phase).toBe('scaling-services'), { timeout: 30_000, interval: 50 });
    const failed = busEvent(hub, deployment_id, (e) => e.status !== 'deploying');
    fake.completeRollout('ecp-ai-stuck', 'callbot');
    fake.failRollout('ecp-ai-stuck', 'chatbot');
    expect(await failed).toMatchObject({ status: 'failed', phase: 'failed' });
    const s = await status('stuck');
    expect(s.status).toBe('failed');
    expect(s.logs.at(-1)).toMatchObject({ level: 'error', message: expect.stringMatching(/^DEPLOYMENT_FAILED: Deployment chatbot: ProgressDeadlineExceeded: ReplicaSet "chatbot-[a-z0-9]{10}" has timed out progressing\.$/) });
    expect(s.pending_resources).toContainEqual(expect.objectContaining({ type: 'Deployment', name: 'chatbot', status: 'Failed', replicas: '0/2' }));
    expect((await (await hub.request('/api/v1/tenants/stuck', { headers })).json()).status).toBe('failed');
  });

  it('/ws/deployment pushes each rollout as the namespace watch sees it (no list while it is open: the watches), then completed and 1000', async () => {
    fake.holdRollouts = true;
    const { deployment_id } = await (await hub.request('/api/v1/tenants', { method: 'POST', headers, body: body('pushed') })).json();
    await vi.waitFor(async () => expect((await status('pushed')).phase).toBe('scaling-services'), { timeout: 30_000, interval: 50 });
    const before = fake.requests.length;
    const frames: { status: string; progress: number; phase: string; message: string }[] = [];
    let wake = () => {};
    const socket = new WebSocket(`${hub.api.replace(/^http/, 'ws')}/ws/deployment/${deployment_id}`, { headers: { authorization: ADMIN } });
    socket.on('message', (raw) => {
      frames.push(JSON.parse(raw.toString()));
      wake();
    });
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    /** Resolves with the first frame `match` accepts, of those come and to come. */
    const frame = (match: (f: (typeof frames)[number]) => boolean) =>
      new Promise<(typeof frames)[number]>((resolve) => {
        wake = () => {
          const f = frames.find(match);
          if (f) resolve(f);
        };
        wake();
      });
    // The first frame is the live progress (not the steps' 100 %): both rollouts held.
    await frame(() => true);
    expect(frames[0]).toMatchObject({ status: 'deploying', progress: 82, phase: 'scaling-services' });
    fake.completeRollout('ecp-ai-pushed', 'chatbot');
    expect(await frame((f) => f.progress !== 82)).toMatchObject({ status: 'deploying', progress: 91, phase: 'scaling-services', message: 'Deployment chatbot: Available (2/2)' });
    fake.completeRollout('ecp-ai-pushed', 'callbot');
    expect(await closed).toBe(1000);
    expect(frames.at(-1)).toMatchObject({ status: 'completed', progress: 100, message: 'tenant running' });
    expect(frames.map((f) => f.progress)).toEqual([...frames.map((f) => f.progress)].sort((a, b) => a - b));
    // From the watch, not by polling: while the socket was open the apiserver got no list of the namespace's Deployments or events.
    const lists = fake.requests.slice(before).filter((r) => r.method === 'GET' && r.path.startsWith('/api') && !new URLSearchParams(r.query).has('watch'));
    expect(lists).toEqual([]);
    const watched = fake.requests.filter((r) => new URLSearchParams(r.query).get('watch') === 'true').map((r) => r.path);
    expect(watched).toEqual(expect.arrayContaining(['/apis/apps/v1/namespaces/ecp-ai-pushed/deployments', '/api/v1/namespaces/ecp-ai-pushed/events']));
  });

  it('a cluster that does not answer: deployment-status says why and shows the Deployments Unknown, never Available', async () => {
    await fake.stop();
    try {
      const s = await status('rolling');
      expect(s.live).toMatchObject({ cluster: 'fake', source: null, reason: expect.stringMatching(/^cluster fake: listing namespace ecp-ai-rolling failed: /) });
      expect(s.status).toBe('completed');
      expect(s.created_resources.filter((r) => r.type === 'Deployment').map((r) => r.status)).toEqual(['Unknown', 'Unknown']);
    } finally {
      await fake.start();
    }
    // Back: read by one list of the namespace (no open task holds a watch of it).
    const back = await status('rolling');
    expect(back.live).toEqual({ cluster: 'fake', source: 'list', reason: null });
    expect(deployment(back, 'chatbot')).toMatchObject({ status: 'Available', replicas: '2/2' });
  });

  it('fidelity of the fake: the real kubectl 1.29 reads its events (get events -o json, custom columns, kubectl events) as the apiserver serves them', async () => {
    const cache = mkdtempSync(join(dir, 'kubectl-cache-'));
    const kubectl = (...args: string[]) => execa(KUBECTL, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', cache, ...args]);
    const list = JSON.parse((await kubectl('get', 'events', '-n', 'ecp-ai-rolling', '-o', 'json')).stdout) as {
      items: { metadata: { name: string }; involvedObject: { kind: string; name: string }; reason: string; type: string; source: { component: string } }[];
    };
    expect(list.items.length).toBeGreaterThan(0);
    const scaling = list.items.filter((e) => e.reason === 'ScalingReplicaSet');
    expect(scaling.map((e) => e.involvedObject.name).sort()).toEqual(['callbot', 'chatbot']);
    expect(scaling.every((e) => e.involvedObject.kind === 'Deployment' && e.source.component === 'deployment-controller' && e.type === 'Normal')).toBe(true);
    const columns = await kubectl('get', 'events', '-n', 'ecp-ai-rolling', '-o', 'custom-columns=KIND:.involvedObject.kind,REASON:.reason', '--no-headers');
    const rows = columns.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(rows).toContain('Deployment ScalingReplicaSet');
    // Two pods per Deployment, each scheduled and started.
    expect(rows.filter((r) => r === 'Pod Scheduled')).toHaveLength(4);
    expect(rows.filter((r) => r === 'Pod Started')).toHaveLength(4);
    // `kubectl events` prints from the Event fields themselves (type, reason, object, message), as for a real cluster.
    const printed = (await kubectl('events', '-n', 'ecp-ai-rolling')).stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(printed[0]).toBe('LAST SEEN TYPE REASON OBJECT MESSAGE');
    expect(printed).toContainEqual(expect.stringMatching(/ Normal ScalingReplicaSet Deployment\/callbot Scaled up replica set callbot-[a-z0-9]{10} to 2$/));
    expect(printed).toContainEqual(expect.stringMatching(/ Normal Scheduled Pod\/chatbot-\S+ Successfully assigned ecp-ai-rolling\/chatbot-\S+ to gpu-node$/));
  });
});
