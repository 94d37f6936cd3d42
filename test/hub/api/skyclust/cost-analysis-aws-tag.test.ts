import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CostUpdatedEvent } from '../../../../hub/bus.js';
import { loadHubConfig } from '../../../../hub/config.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';

const DAY = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const TAG = 'kcloud-workspace';
const AMI = 'ami-12c6146b'; // one of moto's built-in images

/** One Cost Explorer answer: one day's EC2 cost. */
const result = (day: string, next: string, amount: string) => ({
  ResultsByTime: [{ TimePeriod: { Start: day, End: next }, Total: {}, Groups: [{ Keys: [EC2], Metrics: { UnblendedCost: { Amount: amount, Unit: 'USD' } } }], Estimated: false }],
});

/** A user with two workspaces on one AWS account (the same key, shared with each). */
async function twoWorkspacesOneAccount(h: ApiHub) {
  const ann = await h.addUser('ann', 'user');
  const send = (path: string, body: unknown) => h.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user: ann });
  const wsA: string = (await (await send('/api/v1/workspaces', { name: 'a' })).json()).data.id;
  const wsB: string = (await (await send('/api/v1/workspaces', { name: 'b' })).json()).data.id;
  const data = { access_key: 'AKIAEXAMPLEKEY000007', secret_key: 'tag-cost-secret-0123456789', region: 'us-east-1' };
  for (const [name, ws] of [['aws-a', wsA], ['aws-b', wsB]]) expect((await send('/api/v1/credentials', { name, provider: 'aws', data, workspace_id: ws })).status).toBe(201);
  const cost = async (query: string) => {
    const res = await h.request(`/api/v1/cost-analysis?period=7d&provider=aws${query}`, { user: ann });
    expect(res.status).toBe(200);
    return (await res.json()).data.total_cost as number;
  };
  return { ann, wsA, wsB, send, cost };
}

/**
 * `clouds.aws.workspaceTag`: two workspaces on one AWS account each see the
 * cost of their own tagged resources. moto_server answers each distinct
 * GetCostAndUsage request (its body, filter included) with the next seeded
 * result, so the workspaces get different answers only when the hub's
 * requests carry different tag filters.
 */
describe('skyclust cost analysis with an AWS workspace cost tag', () => {
  let moto: Moto;
  let h: ApiHub;
  let ec2: EC2Client;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const day = utcDate(today - DAY);
  let w: Awaited<ReturnType<typeof twoWorkspacesOneAccount>>;
  const costEvents: CostUpdatedEvent[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    const seeded = await moto.post('/moto-api/static/ce/cost-and-usage-results', { results: [result(day, utcDate(today), '70.00'), result(day, utcDate(today), '30.00'), result(day, utcDate(today), '125.00')] });
    expect(seeded.status).toBe(201);
    ec2 = new EC2Client({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    h = await startApiHub({ clouds: { aws: { endpoint: moto.endpoint, workspaceTag: TAG }, reconcileInterval: '100ms' } });
    h.hub.bus.on('cost-updated', (e) => costEvents.push(e));
    w = await twoWorkspacesOneAccount(h);
    // A hub and moto start on a loaded machine can take longer than the default hook limit.
  }, 180_000);
  afterAll(async () => {
    ec2?.destroy();
    await h?.close();
    await moto?.stop();
  });

  it('asks Cost Explorer per workspace with its tag, caches each apart, and counts the account once without a workspace', async () => {
    expect(await w.cost(`&workspace_id=${w.wsA}`)).toBe(70);
    expect(await w.cost(`&workspace_id=${w.wsB}`)).toBe(30);
    // Cached per workspace: asked again, each keeps its own answer.
    expect(await w.cost(`&workspace_id=${w.wsA}`)).toBe(70);
    // Without a workspace: the account's whole cost, unfiltered, once for the two credentials.
    expect(await w.cost('')).toBe(125);
    expect(costEvents).toEqual([]);
  });

  it('tags the EC2 instances it launches with the workspace id', async () => {
    const credential = (await (await h.request('/api/v1/credentials', { user: w.ann })).json()).data.credentials.find((c: { name: string }) => c.name === 'aws-b');
    const res = await w.send('/api/v1/vms', { name: 'tagged', provider: 'aws', instance_type: 't3.micro', region: 'us-east-1', workspace_id: w.wsB, image_id: AMI, credential_id: credential.id });
    expect(res.status).toBe(202);
    const vm = (await res.json()).data;
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [vm.instance_id] }));
    const tags = Object.fromEntries((out.Reservations?.[0]?.Instances?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toEqual({ Name: 'tagged', [TAG]: w.wsB });
  });

  it('takes the tag key from the environment, and refuses one AWS does not allow naming the key', () => {
    expect(loadHubConfig(undefined, { KCLOUD_HUB_CLOUDS_AWS_WORKSPACE_TAG: 'team:workspace' }).clouds.aws.workspaceTag).toBe('team:workspace');
    expect(loadHubConfig(undefined, {}).clouds.aws.workspaceTag).toBe('');
    for (const bad of ['aws:reserved', 'a\nb', 'x'.repeat(129)]) expect(() => loadHubConfig(undefined, { KCLOUD_HUB_CLOUDS_AWS_WORKSPACE_TAG: bad }), bad).toThrow(/clouds\.aws\.workspaceTag/);
  });
});

/** A refresh that changes one workspace's tagged total is cost_updated for that workspace only. */
describe('cost_updated with an AWS workspace cost tag', () => {
  let moto: Moto;
  let h: ApiHub;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const day = utcDate(today - DAY);
  const costEvents: CostUpdatedEvent[] = [];
  const seed = async (amount: string) => expect((await moto.post('/moto-api/static/ce/cost-and-usage-results', { results: [result(day, utcDate(today), amount)] })).status).toBe(201);

  beforeAll(async () => {
    moto = await startMoto();
    // Every query asks Cost Explorer again.
    h = await startApiHub({ clouds: { aws: { endpoint: moto.endpoint, workspaceTag: TAG }, costCache: { ttl: '0ms' } } });
    h.hub.bus.on('cost-updated', (e) => costEvents.push(e));
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await moto?.stop();
  });

  it("tells the workspace asked for, not the other one on the same account, when its total changes", async () => {
    const w = await twoWorkspacesOneAccount(h);
    await seed('70.00');
    expect(await w.cost(`&workspace_id=${w.wsA}`)).toBe(70);
    // moto answers a request it has seen with the same result; after a reset, with the next one seeded.
    expect((await moto.post('/moto-api/reset', {})).status).toBe(200);
    await seed('82.50');
    expect(await w.cost(`&workspace_id=${w.wsA}`)).toBe(82.5);
    expect(costEvents.map((e) => ({ workspaceId: e.workspaceId, total: e.total, previous: e.previous }))).toEqual([{ workspaceId: w.wsA, total: 82.5, previous: 70 }]);
  });
});
