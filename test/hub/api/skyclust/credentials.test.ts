import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';

const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY';
const awsData = (secret = SECRET) => ({ access_key: 'AKIAEXAMPLEKEY000001', secret_key: secret, region: 'us-east-1' });

/** Cloud credentials through the real server, validated against moto_server (EC2 DescribeRegions through the real SDK). */
describe('skyclust credentials', () => {
  let moto: Moto;
  let h: ApiHub;
  let ann: [string, string];
  let ben: [string, string];
  let vic: [string, string];
  let wsA: string;
  let wsB: string;
  const send = (method: string, path: string, body: unknown, user: [string, string]) =>
    h.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user });
  const create = async (body: Record<string, unknown>, user: [string, string]) => send('POST', '/api/v1/credentials', body, user);

  beforeAll(async () => {
    moto = await startMoto();
    h = await startApiHub({ clouds: { aws: { endpoint: moto.endpoint } } });
    ann = await h.addUser('ann', 'user');
    ben = await h.addUser('ben', 'user');
    vic = await h.addUser('vic', 'viewer');
    wsA = (await (await send('POST', '/api/v1/workspaces', { name: 'a' }, ann)).json()).data.id;
    wsB = (await (await send('POST', '/api/v1/workspaces', { name: 'b' }, ben)).json()).data.id;
  });
  afterAll(async () => {
    await h?.close();
    await moto?.stop();
  });

  it('creates an aws credential validated by the provider, answers it without data, and stores the data only encrypted', async () => {
    const res = await create({ name: 'prod', provider: 'aws', data: awsData() }, ann);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, data: { name: 'prod', provider: 'aws', is_active: true, workspace_id: null } });
    expect(body.data.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(body.data).not.toHaveProperty('data');
    const got = await (await h.request(`/api/v1/credentials/${body.data.id}`, { user: ann })).json();
    expect(JSON.stringify(got)).not.toContain(SECRET);
    const list = await (await h.request('/api/v1/credentials?provider=aws', { user: ann })).json();
    expect(list.data.credentials.map((c: { id: string }) => c.id)).toContain(body.data.id);
    expect(list.data.pagination).toMatchObject({ limit: 20, offset: 0, total: 1 });
    // Not in hub.db's text (ciphertext in secrets), not in the audit record, not in the hub's log.
    h.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of ['hub.db', 'hub.db-wal']) {
      let bytes = '';
      try {
        bytes = readFileSync(join(h.dataDir, f)).toString('latin1');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      expect(bytes).not.toContain(SECRET);
    }
    const secret = h.db.prepare('SELECT ciphertext FROM secrets WHERE name = ?').get(`cloud-credential/${body.data.id}`) as { ciphertext: string };
    expect(secret.ciphertext).toMatch(/^kcs1\./);
    const audit = h.db.prepare("SELECT * FROM audit_log WHERE resource_id = ?").all(body.data.id);
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect(JSON.stringify(audit)).toContain('***');
    expect(h.logs.text()).not.toContain(SECRET);
  });

  it('names the missing or wrong data field for the provider, and stores nothing', async () => {
    const before = (h.db.prepare('SELECT count(*) AS n FROM cloud_credentials').get() as { n: number }).n;
    const missing = await create({ name: 'x', provider: 'aws', data: { access_key: 'AKIA1', region: 'us-east-1' } }, ann);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'data.secret_key' } });
    const extra = await create({ name: 'x', provider: 'aws', data: { ...awsData(), password: 'p' } }, ann);
    expect((await extra.json()).data.parameter).toBe('data.password');
    const badArn = await create({ name: 'x', provider: 'aws', data: { ...awsData(), role_arn: 'not-an-arn' } }, ann);
    expect((await badArn.json()).data.parameter).toBe('data.role_arn');
    const role = await create({ name: 'role', provider: 'aws', data: { ...awsData(), role_arn: 'arn:aws:iam::123456789012:role/kcloud' } }, ann);
    expect(role.status).toBe(201);
    expect(h.db.prepare('DELETE FROM cloud_credentials WHERE id = ?').run((await role.json()).data.id).changes).toBe(1);
    const huge = await create({ name: 'x', provider: 'aws', data: awsData('s'.repeat(100_000)) }, ann);
    expect(huge.status).toBe(400);
    const provider = await create({ name: 'x', provider: 'openstack', data: awsData() }, ann);
    expect((await provider.json()).data.parameter).toBe('provider');
    expect((h.db.prepare('SELECT count(*) AS n FROM cloud_credentials').get() as { n: number }).n).toBe(before);
  });

  // Azure credentials against the fake Entra ID: test/hub/integrations/clouds/azure-hub.test.ts.
  it('refuses a gcp key file that is not one instead of storing an unvalidated one', async () => {
    const gcp = await create({ name: 'g', provider: 'gcp', data: { service_account_json: '{"type":"service_account"}', project: 'my-project' } }, ann);
    expect(gcp.status).toBe(400);
    expect(await gcp.json()).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'data', provider: 'gcp', provider_code: 'InvalidServiceAccountKey' } });
    expect((h.db.prepare("SELECT count(*) AS n FROM cloud_credentials WHERE provider != 'aws'").get() as { n: number }).n).toBe(0);
  });

  it('isolates users and workspaces: another workspace\'s user gets 404 for read, change and delete', async () => {
    const id = (await (await create({ name: 'a-only', provider: 'aws', data: awsData(), workspace_id: wsA }, ann)).json()).data.id;
    expect((await h.request(`/api/v1/credentials/${id}`, { user: ben })).status).toBe(404);
    expect((await send('PUT', `/api/v1/credentials/${id}`, { name: 'mine' }, ben)).status).toBe(404);
    expect((await h.request(`/api/v1/credentials/${id}`, { method: 'DELETE', user: ben })).status).toBe(404);
    const benList = await (await h.request('/api/v1/credentials', { user: ben })).json();
    expect(benList.data.credentials.map((c: { id: string }) => c.id)).not.toContain(id);
    // Sharing with a workspace the caller is not in is refused as if it did not exist.
    expect((await create({ name: 'sneak', provider: 'aws', data: awsData(), workspace_id: wsB }, ann)).status).toBe(404);
    // Still there for its owner.
    expect((await h.request(`/api/v1/credentials/${id}`, { user: ann })).status).toBe(200);
  });

  it('lets members of the shared workspace see it but only the owner or an admin change or delete it', async () => {
    const id = (await (await create({ name: 'shared', provider: 'aws', data: awsData(), workspace_id: wsA }, ann)).json()).data.id;
    expect((await send('POST', `/api/v1/workspaces/${wsA}/members`, { username: 'ben' }, ann)).status).toBe(201);
    expect((await h.request(`/api/v1/credentials/${id}`, { user: ben })).status).toBe(200);
    const put = await send('PUT', `/api/v1/credentials/${id}`, { name: 'hijack' }, ben);
    expect(put.status).toBe(403);
    expect((await h.request(`/api/v1/credentials/${id}`, { method: 'DELETE', user: ben })).status).toBe(403);
    // A viewer may not create credentials at all.
    expect((await create({ name: 'v', provider: 'aws', data: awsData() }, vic)).status).toBe(403);
    const renamed = await send('PUT', `/api/v1/credentials/${id}`, { name: 'renamed', data: awsData('another-secret-value-123') }, ann);
    expect(renamed.status).toBe(200);
    expect((await renamed.json()).data).toMatchObject({ id, name: 'renamed' });
    expect(JSON.stringify(h.db.prepare('SELECT * FROM audit_log').all())).not.toContain('another-secret-value-123');
    // Admin may change it too.
    const byAdmin = await h.request(`/api/v1/credentials/${id}`, { method: 'PUT', body: JSON.stringify({ is_active: false }), headers: { 'content-type': 'application/json' } });
    expect(byAdmin.status).toBe(200);
    expect((await byAdmin.json()).data.is_active).toBe(false);
    const del = await h.request(`/api/v1/credentials/${id}`, { method: 'DELETE', user: ann });
    expect(del.status).toBe(200);
    expect((await h.request(`/api/v1/credentials/${id}`, { user: ann })).status).toBe(404);
    expect(h.db.prepare('SELECT 1 FROM secrets WHERE name = ?').get(`cloud-credential/${id}`)).toBeUndefined();
  });

  it('keeps a credential in use when its owner\'s account is deleted: the workspace goes on using it, only admins manage it', async () => {
    const dan = await h.addUser('dan', 'user');
    expect((await send('POST', `/api/v1/workspaces/${wsA}/members`, { username: 'dan' }, ann)).status).toBe(201);
    const id = (await (await create({ name: 'dans', provider: 'aws', data: awsData(), workspace_id: wsA }, dan)).json()).data.id;
    const vm = await send('POST', '/api/v1/vms', { name: 'on-dans-key', provider: 'aws', instance_type: 't3.micro', region: 'us-east-1', workspace_id: wsA, image_id: 'ami-12c6146b', credential_id: id }, ann);
    expect(vm.status).toBe(202);
    const danId = (h.db.prepare("SELECT uuid FROM users WHERE username = 'dan'").get() as { uuid: string }).uuid;
    expect((await h.request(`/api/v1/users/${danId}`, { method: 'DELETE' })).status).toBe(200);
    const seen = await (await h.request(`/api/v1/credentials/${id}`, { user: ann })).json();
    expect(seen.data).toMatchObject({ id, owner_id: null, workspace_id: wsA });
    expect((await send('PUT', `/api/v1/credentials/${id}`, { name: 'mine-now' }, ann)).status).toBe(403);
    const byAdmin = await h.request(`/api/v1/credentials/${id}`, { method: 'PUT', body: JSON.stringify({ name: 'orphan' }), headers: { 'content-type': 'application/json' } });
    expect(byAdmin.status).toBe(200);
  });

  it('answers 400 on malformed ids and hostile list parameters', async () => {
    expect((await h.request('/api/v1/credentials/1', { user: ann })).status).toBe(400);
    expect((await h.request('/api/v1/credentials?limit=1000', { user: ann })).status).toBe(400);
    expect((await h.request('/api/v1/credentials?provider=x', { user: ann })).status).toBe(400);
  });
});
