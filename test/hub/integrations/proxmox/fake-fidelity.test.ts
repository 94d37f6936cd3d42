import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveClient } from '../../../../hub/integrations/proxmox/client.js';
import { parseUpid } from '../../../../hub/integrations/proxmox/upid.js';
import { FakePve } from '../../../fakes/proxmox/server.js';

const SCRIPT = fileURLToPath(new URL('../../../fakes/proxmox/proxmoxer-fidelity.py', import.meta.url));
const PASSWORD = 'pve-root-password';

/**
 * The fake PVE is only worth its tests if a client nobody here wrote reads
 * it the way the hub's client does: Debian's python3-proxmoxer (1.2.0) runs
 * every call the hub makes against it, over verified TLS, with a token and
 * with a password, and polls a clone task to its end.
 */
describe.each(['7.4-3', '8.2.10'])('fake PVE %s read by python3-proxmoxer and by the hub\'s client', (version) => {
  let fake: FakePve;
  let ca: string;
  const clients: PveClient[] = [];

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, version });
    ca = join(mkdtempSync(join(tmpdir(), 'kcloud-pve-ca-')), 'ca.pem');
    writeFileSync(ca, fake.certificate.cert);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await fake.close();
  });

  it('answers both clients the same for token and password login, version, cluster/status, nodes, nextid and a polled clone', async () => {
    const byPassword = new PveClient({ endpoint: fake.url, credentials: { kind: 'password', username: 'root@pam', password: PASSWORD }, trust: { ca: fake.certificate.cert } });
    clients.push(byPassword);
    const token = await byPassword.createToken('root@pam', 'fidelity', { privsep: 0 });
    const byToken = new PveClient({ endpoint: fake.url, credentials: { kind: 'token', tokenId: token['full-tokenid'], secret: token.value }, trust: { ca: fake.certificate.cert } });
    clients.push(byToken);
    const reads = async (c: PveClient) => ({ version: await c.version(), cluster_status: await c.clusterStatus(), nodes: await c.nodes(), nextid: await c.nextId() });
    const hub = { token: await reads(byToken), password: await reads(byPassword) };

    const py = await execa('/usr/bin/python3', [SCRIPT], {
      env: { PVE_HOST: '127.0.0.1', PVE_PORT: new URL(fake.url).port, PVE_CA: ca, PVE_USER: 'root@pam', PVE_PASSWORD: PASSWORD, PVE_TOKEN_NAME: 'fidelity', PVE_TOKEN_VALUE: token.value, CLONE_NEWID: String(hub.token.nextid) },
      timeout: 60_000,
    });
    const python = JSON.parse(py.stdout) as typeof hub & { clone: { upid: string; statuses: string[]; exitstatus: string; vm: Record<string, unknown> } };

    // proxmoxer returns nextid as PVE sends it (a JSON string); the hub's client makes it a number.
    for (const auth of ['token', 'password'] as const) {
      expect({ ...python[auth], nextid: Number(python[auth].nextid) }, auth).toEqual(hub[auth]);
    }
    expect(hub.token.version.version).toBe(version);
    expect(fake.calls('GET', '/version').map((r) => r.auth).sort()).toEqual(['ticket', 'ticket', 'token', 'token']);

    // The clone proxmoxer started: a UPID the hub's parser reads, running for the fake's polls, then OK.
    const upid = parseUpid(python.clone.upid);
    expect(upid).toMatchObject({ node: 'pve1', type: 'qmclone', id: '9000', user: 'root@pam' });
    expect(python.clone.statuses).toEqual([...Array(fake.cloneTaskPolls).fill('running'), 'stopped']);
    expect(python.clone.exitstatus).toBe('OK');
    expect(python.clone.vm).toMatchObject({ vmid: hub.token.nextid, name: 'fidelity-py', status: 'stopped' });
    expect(python.clone.vm.lock).toBeUndefined();

    // The same clone by the hub's client, started with its token and followed by waitForTask.
    const newid = await byToken.nextId();
    const ours = await byToken.qemuClone('pve1', 9000, { newid, name: 'fidelity-ts', full: 1 });
    expect(ours).toMatchObject({ node: 'pve1', type: 'qmclone', id: '9000', user: 'root@pam' });
    expect(await byToken.waitForTask(ours, { intervalMs: 1 })).toEqual({ upid: ours, warnings: 0 });
    const polls = fake.calls('GET', /\/tasks\/.*\/status$/);
    const perTask = (u: string) => polls.filter((r) => decodeURIComponent(r.path).includes(u)).length;
    expect(perTask(ours.upid)).toBe(perTask(python.clone.upid));
    expect(await byToken.qemuStatus('pve1', newid)).toMatchObject({ vmid: newid, name: 'fidelity-ts', status: 'stopped' });
  });
});
