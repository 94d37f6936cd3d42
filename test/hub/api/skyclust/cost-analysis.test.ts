import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';

const DAY = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const S3 = 'Amazon Simple Storage Service';
const PRICE = 0.2;

/** Cost analysis: AWS from Cost Explorer (results seeded into moto_server, read through the real SDK), on-prem from the fleet's measured energy. */
describe('skyclust cost analysis', () => {
  let moto: Moto;
  let h: ApiHub;
  let ann: [string, string];
  let ben: [string, string];
  let wsA: string;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const day1 = utcDate(today - 2 * DAY);
  const day2 = utcDate(today - DAY);
  const send = (method: string, path: string, body: unknown, user: [string, string]) =>
    h.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user });
  const get = async (path: string, user: [string, string]) => {
    const res = await h.request(path, { user });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    moto = await startMoto();
    const seeded = await moto.post('/moto-api/static/ce/cost-and-usage-results', {
      results: [
        {
          ResultsByTime: [
            {
              TimePeriod: { Start: day1, End: day2 },
              Total: {},
              Groups: [
                { Keys: [EC2], Metrics: { UnblendedCost: { Amount: '600.00', Unit: 'USD' } } },
                { Keys: [S3], Metrics: { UnblendedCost: { Amount: '200.25', Unit: 'USD' } } },
              ],
              Estimated: false,
            },
            { TimePeriod: { Start: day2, End: utcDate(today) }, Total: {}, Groups: [{ Keys: [EC2], Metrics: { UnblendedCost: { Amount: '45.50', Unit: 'USD' } } }], Estimated: true },
          ],
        },
      ],
    });
    expect(seeded.status).toBe(201);
    h = await startApiHub({ clouds: { aws: { endpoint: moto.endpoint }, onprem: { electricityPrice: PRICE, currency: 'USD' } } });
    ann = await h.addUser('ann', 'user');
    ben = await h.addUser('ben', 'user');
    wsA = (await (await send('POST', '/api/v1/workspaces', { name: 'a' }, ann)).json()).data.id;
    const cred = { name: 'aws', provider: 'aws', data: { access_key: 'AKIAEXAMPLEKEY000001', secret_key: 'cost-secret-0123456789', region: 'us-east-1' }, workspace_id: wsA };
    expect((await send('POST', '/api/v1/credentials', cred, ann)).status).toBe(201);
    // One BMC reading per node in the last whole hour: each falls in one hourly step, whose energy is its power x 1 h.
    const at = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 1_800_000;
    const n1 = await h.addNode('n1', 'rack1');
    const n2 = await h.addNode('n2', 'rack1');
    await h.publishTelemetry(n1, [{ metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 1000, ts: at }], at);
    await h.publishTelemetry(n2, [{ metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 500, ts: at }], at);
  });
  afterAll(async () => {
    await h?.close();
    await moto?.stop();
  });

  it('answers a workspace\'s AWS cost from Cost Explorer in the documented shape, with a trend over every day of the period', async () => {
    const { status, body } = await get(`/api/v1/cost-analysis?period=7d&workspace_id=${wsA}&provider=aws`, ann);
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ total_cost: 845.75, currency: 'USD', period: '7d', breakdown: [{ provider: 'aws', cost: 845.75, percentage: 100 }], estimated: true });
    const expectedDays = Array.from({ length: 7 }, (_, i) => utcDate(today - (6 - i) * DAY));
    expect(body.data.trend.map((t: { date: string }) => t.date)).toEqual(expectedDays);
    const cost = Object.fromEntries(body.data.trend.map((t: { date: string; cost: number }) => [t.date, t.cost]));
    expect(cost[day1]).toBe(800.25);
    expect(cost[day2]).toBe(45.5);
    expect(body.data.trend.reduce((a: number, t: { cost: number }) => a + t.cost, 0)).toBeCloseTo(845.75, 6);
  });

  it('breaks AWS down per service, and filters by service', async () => {
    const { body } = await get('/api/v1/cost-analysis/breakdown?provider=aws&period=7d', ann);
    expect(body.data).toEqual({
      provider: 'aws',
      period: '7d',
      currency: 'USD',
      total_cost: 845.75,
      services: [
        { service: EC2, cost: 645.5, percentage: 76.3 },
        { service: S3, cost: 200.25, percentage: 23.7 },
      ],
    });
    const only = await get(`/api/v1/cost-analysis/breakdown?provider=aws&period=7d&service=${encodeURIComponent(S3)}`, ann);
    expect(only.body.data).toMatchObject({ total_cost: 200.25, services: [{ service: S3, cost: 200.25, percentage: 100 }] });
  });

  it('prices the on-prem fleet\'s measured energy per node and cluster, next to the clouds', async () => {
    const onprem = await get('/api/v1/cost-analysis/breakdown?provider=onprem&period=7d', ann);
    expect(onprem.body.data).toMatchObject({
      provider: 'onprem',
      total_cost: 0.3,
      services: [
        { service: 'rack1/n1', cost: 0.2, percentage: 66.7 },
        { service: 'rack1/n2', cost: 0.1, percentage: 33.3 },
      ],
      clusters: [{ cluster: 'rack1', energy_kwh: 1.5, cost: 0.3 }],
    });
    const all = await get('/api/v1/cost-analysis?period=7d', ann);
    expect(all.body.data.total_cost).toBe(846.05);
    expect(all.body.data.breakdown).toEqual([
      { provider: 'aws', cost: 845.75, percentage: 100 },
      { provider: 'onprem', cost: 0.3, percentage: 0 },
    ]);
  });

  it('shows another user nothing of a workspace they are not in, and refuses providers it has no figures for', async () => {
    expect((await get(`/api/v1/cost-analysis?workspace_id=${wsA}`, ben)).status).toBe(404);
    const own = await get('/api/v1/cost-analysis?period=7d&provider=aws', ben);
    expect(own.body.data).toMatchObject({ total_cost: 0, breakdown: [] });
    // Azure is asked with the caller's azure credentials: ann has none, so there is no azure cost (cost-analysis-azure.test.ts has some).
    const azure = await get('/api/v1/cost-analysis?period=7d&provider=azure', ann);
    expect(azure.status).toBe(200);
    expect(azure.body.data).toMatchObject({ total_cost: 0, breakdown: [] });
    // No clouds.gcp.prices in this hub: no GCP figure to give.
    const gcp = await get('/api/v1/cost-analysis?provider=gcp', ann);
    expect(gcp.status).toBe(400);
    expect(gcp.body.error).toContain('clouds.gcp.prices');
    expect((await get('/api/v1/cost-analysis?period=2d', ann)).body.data.parameter).toBe('period');
    expect((await get('/api/v1/cost-analysis/breakdown', ann)).body.data.parameter).toBe('provider');
  });
});
