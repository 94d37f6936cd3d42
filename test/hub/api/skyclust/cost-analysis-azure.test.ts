import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FakeAzure } from '../../../fakes/azure/arm.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { addCredential, createWorkspace, startFakeAzure, type AzureFixture } from './cloud-fixture.js';

const TENANT = randomUUID();
const SUB = randomUUID();
const SUB_NO_COST = randomUUID();
const READER = { clientId: randomUUID(), clientSecret: `cost~reader-${randomUUID()}`, subscriptions: [SUB] };
const NO_COST_ROLE = { clientId: randomUUID(), clientSecret: `no~cost-${randomUUID()}`, subscriptions: [SUB_NO_COST], costReader: false };
const DAY = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const today = Math.floor(Date.now() / DAY) * DAY;
const day1 = utcDate(today - 2 * DAY);
const day2 = utcDate(today - DAY);

interface WsEvent {
  type: string;
  data: Record<string, unknown>;
}

/** A /ws client authenticated with Basic credentials, keeping every event; `sync()` answers once every event sent before it has arrived. */
async function wsClient(h: ApiHub, [user, password]: [string, string]) {
  const events: WsEvent[] = [];
  const waiters: (() => void)[] = [];
  const socket = new WebSocket(`${h.api.replace('http', 'ws')}/ws`);
  socket.on('message', (raw) => {
    events.push(JSON.parse(raw.toString()) as WsEvent);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const next = async (match: (e: WsEvent) => boolean) => {
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  socket.send(JSON.stringify({ type: 'auth', token: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }));
  await next((e) => e.type === 'authenticated');
  // One socket delivers in order: the pong to a ping sent now comes after every event the hub sent before.
  const sync = async () => {
    const pongs = events.filter((e) => e.type === 'pong').length;
    socket.send(JSON.stringify({ type: 'ping' }));
    await next(() => events.filter((e) => e.type === 'pong').length > pongs);
  };
  return { events, next, sync, socket };
}

/** Azure cost from Cost Management Query through the real hub, the real @azure/identity and the fake Entra ID + Resource Manager. */
describe('skyclust cost analysis on azure', () => {
  let azure: AzureFixture;
  let fake: FakeAzure;
  const hubs: ApiHub[] = [];
  const sockets: WebSocket[] = [];
  const cred = (p: { clientId: string; clientSecret: string }, subscription: string) => ({ tenant_id: TENANT, client_id: p.clientId, client_secret: p.clientSecret, subscription_id: subscription });
  const get = async (h: ApiHub, path: string, user: [string, string]) => {
    const res = await h.request(path, { user });
    return { status: res.status, body: await res.json() };
  };
  /** A hub with a user owning a workspace, optionally with an azure credential shared with it. */
  const setUp = async (h: ApiHub, name: string, credential: Record<string, string> | null) => {
    const user = await h.addUser(name, 'user');
    const ws = await createWorkspace(h, `ws-${name}`, user);
    if (credential) await addCredential(h, user, { name: `az-${name}`, provider: 'azure', data: credential, workspace_id: ws });
    return { user, ws };
  };

  beforeAll(async () => {
    azure = await startFakeAzure({
      tenantId: TENANT,
      principals: [READER, NO_COST_ROLE],
      resourceGroups: ['kcloud'],
      subnets: [],
      images: [],
      // Two rows a page: the three rows of the period come in two pages, through nextLink.
      costPageSize: 2,
      costs: {
        [SUB]: [
          { date: day1, service: 'Virtual Machines', cost: 12.34, currency: 'USD' },
          { date: day1, service: 'Storage', cost: 0.66, currency: 'USD' },
          { date: day2, service: 'Virtual Machines', cost: 5, currency: 'USD' },
          { date: day2, service: 'Virtual Machines', cost: 2.5, currency: 'USD' },
          // Outside every period: never counted.
          { date: utcDate(today - 120 * DAY), service: 'Virtual Machines', cost: 1000, currency: 'USD' },
        ],
      },
    });
    fake = azure.fake;
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    for (const h of hubs) await h.close();
    await azure?.stop();
  });
  const startHub = async (costCache: Record<string, unknown> = {}) => {
    const h = await startApiHub({ clouds: { azure: { endpoint: fake.endpoint, authorityHost: fake.endpoint, caFile: azure.caFile }, costCache } });
    hubs.push(h);
    return h;
  };

  describe('with the default cache', () => {
    let h: ApiHub;
    let ann: { user: [string, string]; ws: string };
    let bob: { user: [string, string]; ws: string };
    beforeAll(async () => {
      h = await startHub();
      ann = await setUp(h, 'ann', cred(READER, SUB));
      bob = await setUp(h, 'bob', cred(NO_COST_ROLE, SUB_NO_COST));
      // A hub start on a loaded machine can take longer than the default hook limit.
    }, 180_000);

    it('answers a workspace\'s Azure cost with Cost Management\'s numbers, every page, per day and per service', async () => {
      const before = fake.costQueries;
      const { status, body } = await get(h, `/api/v1/cost-analysis?period=7d&workspace_id=${ann.ws}&provider=azure`, ann.user);
      expect(status).toBe(200);
      expect(body.data).toMatchObject({ total_cost: 20.5, currency: 'USD', period: '7d', breakdown: [{ provider: 'azure', cost: 20.5, percentage: 100 }], estimated: false });
      const cost = Object.fromEntries(body.data.trend.map((t: { date: string; cost: number }) => [t.date, t.cost]));
      expect(body.data.trend).toHaveLength(7);
      expect([cost[day1], cost[day2], cost[utcDate(today)]]).toEqual([13, 7.5, 0]);
      expect(fake.costQueries - before).toBe(2);
      const services = await get(h, '/api/v1/cost-analysis/breakdown?provider=azure&period=7d', ann.user);
      expect(services.body.data).toEqual({
        provider: 'azure',
        period: '7d',
        currency: 'USD',
        total_cost: 20.5,
        services: [
          { service: 'Virtual Machines', cost: 19.84, percentage: 96.8 },
          { service: 'Storage', cost: 0.66, percentage: 3.2 },
        ],
      });
    });

    it('answers a repeated query from the cache without asking Cost Management again; another period is another query', async () => {
      await get(h, `/api/v1/cost-analysis?period=30d&workspace_id=${ann.ws}&provider=azure`, ann.user);
      const before = fake.costQueries;
      const again = await get(h, `/api/v1/cost-analysis?period=30d&workspace_id=${ann.ws}&provider=azure`, ann.user);
      expect(again.body.data.total_cost).toBe(20.5);
      expect(fake.costQueries).toBe(before);
      const longer = await get(h, `/api/v1/cost-analysis?period=90d&workspace_id=${ann.ws}&provider=azure`, ann.user);
      expect(longer.body.data.total_cost).toBe(20.5);
      expect(fake.costQueries - before).toBe(2);
    });

    it('maps Cost Management\'s refusal (400) and throttling (503) to the error envelope with its code and message, and keeps nothing of them', async () => {
      for (let i = 0; i < 2; i++) {
        const before = fake.costQueries;
        const { status, body } = await get(h, `/api/v1/cost-analysis?period=7d&workspace_id=${bob.ws}&provider=azure`, bob.user);
        expect(status).toBe(400);
        expect(body).toMatchObject({
          success: false,
          code: 'VALIDATION_ERROR',
          data: { parameter: 'provider', provider: 'azure', provider_code: 'RBACAccessDenied', provider_message: 'The client does not have authorization to perform action.' },
        });
        expect(typeof body.request_id).toBe('string');
        // A refusal is not cached: the next query asks again (the fake counts only the pages it answers).
        expect(fake.requests.filter((r) => r.startsWith('POST') && r.includes(SUB_NO_COST)).length).toBe(i + 1);
        expect(fake.costQueries).toBe(before);
      }
      // Throttled (429) is Azure not answering now: 503, with Azure's code and message.
      fake.costFailure = { status: 429, code: '429', message: 'Too many requests. Please retry.' };
      try {
        const throttled = await get(h, `/api/v1/cost-analysis?period=1d&workspace_id=${ann.ws}&provider=azure`, ann.user);
        expect(throttled.status).toBe(503);
        expect(throttled.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', data: { provider: 'azure', provider_code: '429', provider_message: 'Too many requests. Please retry.' } });
      } finally {
        fake.costFailure = null;
      }
      // Bob does not see ann's workspace's costs.
      expect((await get(h, `/api/v1/cost-analysis?workspace_id=${ann.ws}`, bob.user)).status).toBe(404);
    });
  });

  describe('refreshed on every query (costCache.ttl 0)', () => {
    let h: ApiHub;
    beforeAll(async () => {
      h = await startHub({ ttl: '0ms' });
    }, 180_000);

    it('sends cost_updated to the members of a workspace whose total changed, and to no other workspace\'s member', async () => {
      const carl = await setUp(h, 'carl', cred(READER, SUB));
      const dave = await setUp(h, 'dave', null);
      const carlWs = await wsClient(h, carl.user);
      const daveWs = await wsClient(h, dave.user);
      sockets.push(carlWs.socket, daveWs.socket);
      const query = `/api/v1/cost-analysis?period=7d&workspace_id=${carl.ws}&provider=azure`;
      expect((await get(h, query, carl.user)).body.data.total_cost).toBe(20.5);
      // Asked again, same total: no event.
      const before = fake.costQueries;
      expect((await get(h, query, carl.user)).body.data.total_cost).toBe(20.5);
      expect(fake.costQueries).toBeGreaterThan(before);
      await carlWs.sync();
      expect(carlWs.events.filter((e) => e.type === 'cost_updated')).toEqual([]);

      fake.costs[SUB] = [...fake.costs[SUB]!, { date: utcDate(today), service: 'Bandwidth', cost: 1.25, currency: 'USD' }];
      expect((await get(h, query, carl.user)).body.data.total_cost).toBe(21.75);
      const updated = await carlWs.next((e) => e.type === 'cost_updated');
      expect(updated.data).toEqual({ workspace_id: carl.ws, provider: 'azure', start_date: utcDate(today - 6 * DAY), end_date: utcDate(today + DAY), total_cost: 21.75, previous_total_cost: 20.5, currency: 'USD', timestamp: expect.any(String) });
      await daveWs.sync();
      expect(daveWs.events.filter((e) => e.type === 'cost_updated')).toEqual([]);
    });
  });
});
