import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PveClient, PveTaskError } from '../../../../hub/integrations/proxmox/client.js';
import { PveError } from '../../../../hub/integrations/proxmox/errors.js';
import { FakePve } from '../../../fakes/proxmox/server.js';

const ROOT = { kind: 'password', username: 'root@pam', password: 'pve-root-password' } as const;

describe('PveClient against the fake PVE (real HTTPS)', () => {
  let fake: FakePve;
  const clients: PveClient[] = [];
  const client = (opts: Partial<ConstructorParameters<typeof PveClient>[0]> = {}) => {
    const c = new PveClient({ endpoint: fake.url, credentials: ROOT, trust: { fingerprint: fake.certificate.fingerprint }, timeoutMs: 5000, ...opts });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0 });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('logs in with a ticket, sends the CSRF token on writes, and reads version, status and nodes', async () => {
    const c = client();
    expect((await c.version()).version).toBe('8.2.10');
    const status = await c.clusterStatus();
    expect(status.find((e) => e.type === 'cluster')).toMatchObject({ name: 'kcloud-lab', quorate: 1 });
    expect(status.filter((e) => e.type === 'node').map((n) => [n.name, n.online])).toEqual([['pve1', 1], ['pve2', 1], ['pve3', 0]]);
    expect((await c.nodes()).map((n) => n.status)).toEqual(['online', 'online', 'offline']);
    // A write with the ticket: refused by the fake without the CSRF header.
    const token = await c.createToken('root@pam', 'kcloud-client-test', { privsep: 0 });
    expect(token['full-tokenid']).toBe('root@pam!kcloud-client-test');
    expect(fake.calls('POST', '/access/ticket')).toHaveLength(1);
  });

  it('uses an API token without a ticket', async () => {
    const admin = client();
    const { value } = await admin.createToken('root@pam', 'kcloud-token-only', { privsep: 0 });
    const before = fake.calls('POST', '/access/ticket').length;
    const c = client({ credentials: { kind: 'token', tokenId: 'root@pam!kcloud-token-only', secret: value } });
    expect(await c.nextId()).toBeGreaterThanOrEqual(100);
    expect(fake.calls('POST', '/access/ticket')).toHaveLength(before);
    expect(fake.requests.at(-1)?.auth).toBe('token');
  });

  it('renews the ticket when PVE no longer takes it', async () => {
    let now = 0;
    const c = client({ now: () => now });
    await c.version();
    const logins = fake.calls('POST', '/access/ticket').length;
    now += 91 * 60_000; // past the renewal age, before PVE's 2 h
    await c.version();
    expect(fake.calls('POST', '/access/ticket')).toHaveLength(logins + 1);
  });

  it('a wrong password is an auth error', async () => {
    const err = await client({ credentials: { ...ROOT, password: 'wrong' } }).version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PveError);
    expect((err as PveError).kind).toBe('auth');
    expect((err as PveError).status).toBe(401);
  });

  it.each(['pve7', 'pve8'] as const)('maps %s error bodies to the message an operator reads', async (style) => {
    fake.errorStyle = style;
    const err = await client().nextId(9000).catch((e: unknown) => e);
    expect((err as PveError).message).toBe('Parameter verification failed: vmid: VM 9000 already exists');
    expect((err as PveError).errors).toEqual({ vmid: 'VM 9000 already exists' });
  });

  it('clones a template and waits for the task through its running polls', async () => {
    const c = client();
    const newid = await c.nextId();
    const upid = await c.qemuClone('pve1', 9000, { newid, name: 'web-1', full: 1 });
    expect(upid).toMatchObject({ node: 'pve1', type: 'qmclone', id: '9000', user: 'root@pam' });
    expect((await c.qemuStatus('pve1', newid)).lock).toBe('clone');
    const done = await c.waitForTask(upid, { intervalMs: 1 });
    expect(done.warnings).toBe(0);
    expect((await c.qemuStatus('pve1', newid)).lock).toBeUndefined();
    expect((await c.qemuList('pve1')).map((v) => v.name)).toContain('web-1');
    expect(fake.calls('GET', /\/tasks\/.*\/status$/).filter((r) => r.path.includes(encodeURIComponent(upid.upid)) || r.path.includes(upid.upid)).length).toBe(fake.cloneTaskPolls + 1);
  });

  it('tolerates a task that is not visible yet, and reports a failed one with its last log lines', async () => {
    fake.taskInvisiblePolls = 2;
    try {
      const c = client();
      const newid = await c.nextId();
      const upid = await c.qemuClone('pve1', 9000, { newid, name: 'web-2' });
      fake.failTask(upid.upid, "clone failed: storage 'fast' does not exist", ['create full clone of drive scsi0']);
      const err = await c.waitForTask(upid, { intervalMs: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PveTaskError);
      expect((err as PveTaskError).exitstatus).toBe("clone failed: storage 'fast' does not exist");
      expect((err as PveTaskError).log).toEqual(['create full clone of drive scsi0', "TASK ERROR: clone failed: storage 'fast' does not exist"]);
    } finally {
      fake.taskInvisiblePolls = 0;
    }
  });

  it('WARNINGS: n ends a task successfully with its count', async () => {
    const c = client();
    const upid = await c.qemuClone('pve1', 9000, { newid: await c.nextId() });
    fake.failTask(upid.upid, 'WARNINGS: 2', []);
    expect((await c.waitForTask(upid, { intervalMs: 1 })).warnings).toBe(2);
  });

  it('changes config, grows a disk (never shrinks), backs up, lists, restores, reads rrd data and deletes', async () => {
    const c = client();
    const vmid = await c.nextId();
    await c.waitForTask(await c.qemuClone('pve1', 9000, { newid: vmid, name: 'db-1', full: 1 }), { intervalMs: 1 });

    // sshkeys URL-encoded with %20 before the form encoding, as PVE expects.
    const keys = encodeURIComponent('ssh-ed25519 AAAAC3Nza test@host').replace(/\+/g, '%20');
    await c.waitForTask(await c.qemuConfigUpdate('pve1', vmid, { cores: 4, memory: '8192', ciuser: 'ubuntu', sshkeys: keys, ipconfig0: 'ip=10.0.0.50/24,gw=10.0.0.1' }), { intervalMs: 1 });
    expect(await c.qemuConfig('pve1', vmid)).toMatchObject({ cores: 4, memory: 8192, ciuser: 'ubuntu', sshkeys: keys, ipconfig0: 'ip=10.0.0.50/24,gw=10.0.0.1' });

    const grown = await c.qemuResize('pve1', vmid, { disk: 'scsi0', size: '+10G' });
    if (grown) await c.waitForTask(grown, { intervalMs: 1 });
    expect((await c.qemuConfig('pve1', vmid)).scsi0).toBe('local-lvm:base-9000-disk-0,size=20G');
    const shrink = await c.qemuResize('pve1', vmid, { disk: 'scsi0', size: '5G' }).catch((e: unknown) => e);
    expect((shrink as PveError).message).toBe('shrinking disks is not supported');

    await c.waitForTask(await c.vzdump('pve1', { vmid: String(vmid), storage: 'local', mode: 'snapshot', compress: 'zstd' }), { intervalMs: 1 });
    const [backup] = await c.storageContent('pve1', 'local', { content: 'backup', vmid });
    expect(backup).toMatchObject({ vmid, format: 'vma.zst' });
    expect(backup!.volid).toMatch(new RegExp(`^local:backup/vzdump-qemu-${vmid}-`));

    const restored = await c.nextId();
    await c.waitForTask(await c.qemuCreate('pve1', { vmid: restored, archive: backup!.volid, force: 1 }), { intervalMs: 1 });
    expect(await c.qemuConfig('pve1', restored)).toMatchObject({ cores: 4, memory: 8192 });

    const rrd = await c.qemuRrdData('pve1', restored, 'hour');
    expect(rrd.length).toBeGreaterThan(0);
    for (const point of rrd) expect(typeof point.time).toBe('number');

    await c.waitForTask(await c.qemuAction('pve1', restored, 'start'), { intervalMs: 1 });
    expect((await c.qemuStatus('pve1', restored)).status).toBe('running');
    await c.waitForTask(await c.qemuDelete('pve1', restored), { intervalMs: 1 });
    expect((await c.qemuList('pve1')).map((v) => v.vmid)).not.toContain(restored);
    expect(fake.calls('DELETE', `/nodes/pve1/qemu/${restored}`)[0]?.params).toMatchObject({ purge: '1', 'destroy-unreferenced-disks': '1' });
    await c.storageContentDelete('pve1', 'local', backup!.volid);
    expect(await c.storageContent('pve1', 'local', { content: 'backup', vmid })).toEqual([]);
  });

  describe('TLS trust', () => {
    it('refuses the self-signed certificate without a pin or CA, before sending credentials', async () => {
      const before = fake.requests.length;
      const err = await client({ trust: {} }).version().catch((e: unknown) => e);
      expect((err as PveError).kind).toBe('tls');
      expect((err as PveError).message).toMatch(/does not verify .*no fingerprint is pinned/);
      expect(fake.requests).toHaveLength(before);
    });

    it('verifies against a configured CA', async () => {
      expect((await client({ trust: { ca: fake.certificate.cert } }).version()).version).toBe('8.2.10');
    });

    it('refuses a changed certificate once pinned, naming both fingerprints', async () => {
      const pinned = fake.certificate.fingerprint;
      const c = client({ trust: { fingerprint: pinned } });
      await c.version();
      const next = await fake.rotateCertificate();
      const err = await c.version().catch((e: unknown) => e);
      expect((err as PveError).kind).toBe('tls');
      expect((err as PveError).message).toContain(next.fingerprint);
      expect((err as PveError).message).toContain(pinned);
    });
  });

  it('reuses one keep-alive connection and closes it itself when idle, before pveproxy would', async () => {
    // A server that would keep the idle connection for a minute: only the client's own idle timeout can close it.
    const patient = await FakePve.start({ loginDelayMs: 0, keepAliveTimeoutMs: 60_000 });
    const c = new PveClient({ endpoint: patient.url, credentials: ROOT, trust: { fingerprint: patient.certificate.fingerprint } });
    try {
      await c.version();
      await c.clusterStatus();
      await c.nodes();
      expect(patient.connections).toBe(1);
      const closed = patient.nextConnectionClose();
      await closed;
      expect(patient.requests).toHaveLength(4);
    } finally {
      c.close();
      await patient.close();
    }
  });

  it('a node that closes connections is a network error after the read retries', async () => {
    fake.pause(true);
    try {
      const c = client({ readRetries: 1 });
      const err = await c.version().catch((e: unknown) => e);
      expect((err as PveError).kind).toBe('network');
    } finally {
      fake.pause(false);
    }
  });
});
