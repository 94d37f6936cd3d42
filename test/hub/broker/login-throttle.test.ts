import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMachineDigest } from '../../../hub/identity/machine-credentials.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { httpFrom, mqttFrom, refusalCode } from '../../helpers/source-address.js';

const CONFIG = { auth: { loginThrottle: { delay: '20ms', maxDelay: '100ms' }, rateLimit: { anonymous: 100_000 } } };

describe('MQTT CONNECT under the hub login throttle', () => {
  let hub: ApiHub;
  const login = (from: string, username: string, password: string) => httpFrom(from, `${hub.api}/api/v1/auth/login`, { method: 'POST', body: { username, password } });
  const connect = (from: string, username: string, password: string) => refusalCode(mqttFrom(from, hub.url, { username, password, clientId: `c-${from}-${username}-${Math.random()}` }));
  const storedHash = (name: string) => (hub.db.prepare('SELECT password_hash AS h FROM nodes WHERE name = ?').get(name) as { h: string }).h;

  beforeAll(async () => {
    hub = await startApiHub(CONFIG);
  });
  afterAll(() => hub.close());

  it('refuses CONNECTs (CONNACK 5) from an address HTTP throttled for the account, and takes the account from elsewhere', async () => {
    const [name, password] = await hub.addUser('mqtt-erin', 'user');
    for (let i = 0; i < 5; i++) expect((await login('127.0.3.1', name, `guess-${i}`)).status).toBe(401);
    expect(await connect('127.0.3.1', name, password)).toBe(5);
    expect(await connect('127.0.3.2', name, password)).toBe('connected');
  }, 90_000);

  it('counts wrong CONNECTs against the same account and address for HTTP', async () => {
    const [name, password] = await hub.addUser('mqtt-finn', 'user');
    for (let i = 0; i < 5; i++) expect(await connect('127.0.3.3', name, `guess-${i}`)).toBe(4);
    // The sixth is refused by the throttle, not checked.
    expect(await connect('127.0.3.3', name, 'guess-5')).toBe(5);
    const res = await login('127.0.3.3', name, password);
    expect([res.status, res.body.data?.by]).toEqual([429, 'account']);
  }, 90_000);

  it('checks an unknown name against a dummy hash, like a known one', async () => {
    const metric = async () => (await hub.hub.registry.getSingleMetric('login_password_checks_total')!.get()).values.find((v) => v.labels.subject === 'unknown')?.value ?? 0;
    const before = await metric();
    expect(await connect('127.0.3.4', 'no-such-name', 'whatever')).toBe(4);
    expect((await metric()) - before).toBe(1);
  }, 60_000);

  it('rewrites a node password stored as argon2 to a keyed hash on its next successful CONNECT, and keeps accepting it', async () => {
    // No key here, as with `kcloud-hub node add`: the CLI stores argon2.
    await new NodeStore(hub.db).add('gpu-legacy', 'lab', 'legacy-secret');
    expect(storedHash('gpu-legacy')).toMatch(/^\$argon2id\$/);
    expect(await connect('127.0.3.5', 'gpu-legacy', 'wrong-secret')).toBe(4);
    expect(storedHash('gpu-legacy')).toMatch(/^\$argon2id\$/);
    expect(await connect('127.0.3.5', 'gpu-legacy', 'legacy-secret')).toBe('connected');
    expect(isMachineDigest(storedHash('gpu-legacy'))).toBe(true);
    expect(await connect('127.0.3.6', 'gpu-legacy', 'legacy-secret')).toBe('connected');
    expect(await connect('127.0.3.6', 'gpu-legacy', 'wrong-secret')).toBe(4);
  }, 60_000);
});
