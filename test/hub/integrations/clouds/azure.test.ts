import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureVms } from '../../../../hub/integrations/clouds/azure/provider.js';
import { CloudProviderError } from '../../../../hub/integrations/clouds/provider-error.js';
import { AzureVirtualMachines, subnetId, type AzureCredential } from '../../../../hub/integrations/clouds/azure/virtual-machines.js';
import type { InstanceState } from '../../../../hub/integrations/clouds/vm-provider.js';
import { FakeAzure } from '../../../fakes/azure/arm.js';
import { selfSignedCertificate, type Certificate } from '../../../fakes/proxmox/certificate.js';

const TENANT = randomUUID();
const SUB = randomUUID();
const CLIENT_ID = randomUUID();
// Distinctive, so that a leak into any message is found.
const SECRET = 'Zq8~s3cr3t.V4lue-' + randomUUID();
const RG = 'kcloud';
const IMAGE = 'Canonical:ubuntu-24_04-lts:server:latest';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk1Zp0tP8oJ3p6w4jzYb1eB6cM5k3N2Wq9tXv7aR4sD ops@example';
const FULL_SIZE = 'Standard_ND96asr_v4';

const credential = (over: Partial<AzureCredential> = {}): AzureCredential => ({ tenant_id: TENANT, client_id: CLIENT_ID, client_secret: SECRET, subscription_id: SUB, ...over });

/** The promise's CloudProviderError (it must fail with one). */
async function providerError(p: Promise<unknown>): Promise<CloudProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CloudProviderError);
  return err as CloudProviderError;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('Azure VMs through @azure/arm-compute + @azure/identity against a fake ARM and Entra ID over https', () => {
  let cert: Certificate;
  let fake: FakeAzure;
  const clients: AzureVirtualMachines[] = [];
  const errors: CloudProviderError[] = [];

  const client = (over: Partial<AzureCredential> = {}, opts: { endpoint?: string; authorityHost?: string; ca?: string } = {}) => {
    const c = new AzureVirtualMachines(credential(over), 'eastus', { endpoint: fake.endpoint, authorityHost: fake.endpoint, resourceGroup: RG, timeoutMs: 10_000, ca: cert.cert, ...opts });
    clients.push(c);
    return c;
  };
  const refusal = async (p: Promise<unknown>) => {
    const err = await providerError(p);
    errors.push(err);
    return err;
  };
  const launch = (c: AzureVirtualMachines, over: Partial<{ imageId: string; instanceType: string; keyPair: string | null; clientToken: string }> = {}) =>
    c.launch({ imageId: IMAGE, instanceType: 'Standard_B2s', keyPair: 'ops-key', name: 'GPU box #1', clientToken: randomUUID(), workspaceId: randomUUID(), ...over });

  /** Describes until the status leaves `from` (each look moves the fake one step, so this ends), returning every state seen. */
  async function follow(c: AzureVirtualMachines, id: string, from: InstanceState['status']): Promise<(InstanceState | null)[]> {
    const seen: (InstanceState | null)[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await c.describe(id);
      seen.push(s);
      if (s?.status !== from) return seen;
    }
    throw new Error(`still ${from} after 10 looks`);
  }

  beforeAll(async () => {
    cert = await selfSignedCertificate('azure-fake');
    fake = await new FakeAzure({
      cert: cert.cert,
      key: cert.key,
      tenantId: TENANT,
      principals: [{ clientId: CLIENT_ID, clientSecret: SECRET, subscriptions: [SUB] }],
      resourceGroups: [RG],
      subnets: [subnetId(SUB, RG, 'eastus')],
      images: ['Canonical:ubuntu-24_04-lts:server'],
      sshPublicKeys: { [`${RG}/ops-key`]: SSH_KEY },
      unavailableSizes: [FULL_SIZE],
    }).start();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await fake?.stop();
  });

  it('validate: a token for the service principal, then a VM list of the subscription', async () => {
    const grants = fake.grants.length;
    await client().validate();
    expect(fake.grants.slice(grants)).toEqual([CLIENT_ID]);
    expect(fake.requests).toContain(`GET /subscriptions/${SUB}/providers/Microsoft.Compute/virtualMachines`);
  });

  it("validate with a wrong secret is refused with Entra ID's answer", async () => {
    const err = await refusal(client({ client_secret: 'not-the-secret' }).validate());
    expect(err).toMatchObject({ provider: 'azure', code: 'invalid_client', kind: 'refused' });
    expect(err.message).toMatch(/^AADSTS7000215: Invalid client secret provided/);
  });

  it('validate with an unknown client, tenant or subscription is refused with the provider code', async () => {
    expect(await refusal(client({ client_id: randomUUID() }).validate())).toMatchObject({ code: 'unauthorized_client', kind: 'refused' });
    const tenant = await refusal(client({ tenant_id: randomUUID() }).validate());
    expect(tenant).toMatchObject({ code: 'invalid_tenant', kind: 'refused' });
    expect(tenant.message).toMatch(/^AADSTS90002: Tenant '[0-9a-f-]+' not found/);
    const sub = await refusal(client({ subscription_id: randomUUID() }).validate());
    expect(sub).toMatchObject({ code: 'AuthorizationFailed', kind: 'refused' });
  });

  it('a host whose certificate is not from the configured CA, or no host at all, is unreachable, not refused', async () => {
    const other = await selfSignedCertificate('someone-else');
    const untrusted = await refusal(client({}, { ca: other.cert }).validate());
    expect(untrusted).toMatchObject({ code: 'Unreachable', kind: 'unreachable' });
    expect(untrusted.message).toMatch(/certificate/);
    const port = await closedPort();
    const closed = await refusal(client({}, { endpoint: `https://127.0.0.1:${port}`, authorityHost: `https://127.0.0.1:${port}` }).validate());
    expect(closed).toMatchObject({ code: 'Unreachable', kind: 'unreachable' });
    expect(closed.message).toMatch(/ECONNREFUSED/);
  });

  it('a host that accepts the connection but never answers is unreachable after the configured timeout', async () => {
    const silent = createHttpsServer({ cert: cert.cert, key: cert.key }, () => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const c = new AzureVirtualMachines(credential(), 'eastus', { endpoint: url, authorityHost: url, resourceGroup: RG, timeoutMs: 500, ca: cert.cert });
      clients.push(c);
      const err = await refusal(c.validate());
      expect(err).toMatchObject({ code: 'Unreachable', kind: 'unreachable' });
      expect(err.message).toMatch(/^no answer within/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('launch answers pending at once; describe follows the deployment to running with its addresses', async () => {
    const c = client();
    const token = randomUUID();
    const launched = await launch(c, { clientToken: token });
    expect(launched).toMatchObject({ status: 'pending', publicIp: null });
    expect(launched.instanceId).toBe(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/kcloud-${token}`);
    // Not waited for: the PUT only, no poll of the operation.
    expect(fake.requests.filter((r) => r.includes('/operations/'))).toEqual([]);
    const vm = fake.vms.get(launched.instanceId.toLowerCase())!;
    const props = vm.body.properties as { hardwareProfile: { vmSize: string }; storageProfile: { imageReference: unknown }; osProfile: { linuxConfiguration: { ssh: { publicKeys: { keyData: string }[] } } } };
    expect(props.hardwareProfile.vmSize).toBe('Standard_B2s');
    expect(props.storageProfile.imageReference).toEqual({ publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' });
    expect(props.osProfile.linuxConfiguration.ssh.publicKeys[0]!.keyData).toBe(SSH_KEY);
    expect(vm.body.tags).toMatchObject({ Name: 'GPU box #1', 'kcloud-vm': token });

    const seen = await follow(c, launched.instanceId, 'pending');
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.slice(0, -1).every((s) => s?.status === 'pending')).toBe(true);
    expect(seen.at(-1)).toEqual({ instanceId: launched.instanceId, status: 'running', reason: null, privateIp: vm.privateIp, publicIp: vm.publicIp, zone: null, instanceType: 'Standard_B2s', imageId: IMAGE });
  });

  it('a launch retried with the same client token creates one VM', async () => {
    const c = client();
    const token = randomUUID();
    const creates = fake.creates;
    const first = await launch(c, { clientToken: token });
    const second = await launch(client(), { clientToken: token });
    expect(second.instanceId).toBe(first.instanceId);
    expect(fake.creates - creates).toBe(1);
    expect([...fake.vms.values()].filter((v) => v.name === `kcloud-${token}`)).toHaveLength(1);
  });

  it('a deployment that fails (no capacity for the size) is described failed with ARM\'s code and message', async () => {
    const c = client();
    const launched = await launch(c, { instanceType: FULL_SIZE });
    expect(launched.status).toBe('pending');
    const seen = await follow(c, launched.instanceId, 'pending');
    expect(seen.at(-1)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^AllocationFailed: Allocation failed\. We do not have sufficient capacity/) });
  });

  it('terminate deletes the VM: terminating, then describe answers null', async () => {
    const c = client();
    const launched = await launch(c);
    await follow(c, launched.instanceId, 'pending');
    await c.terminate(launched.instanceId);
    expect(fake.requests.at(-1)).toBe(`DELETE /subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${launched.instanceId.split('/').at(-1)}`);
    const seen = await follow(c, launched.instanceId, 'terminating');
    expect(seen[0]?.status).toBe('terminating');
    expect(seen.at(-1)).toBeNull();
    // Already gone: what a delete wants.
    await expect(c.terminate(launched.instanceId)).resolves.toBeUndefined();
  });

  it('a VM ARM does not know describes as null; an id of another subscription is refused', async () => {
    const c = client();
    expect(await c.describe(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/kcloud-nothing`)).toBeNull();
    expect(await refusal(c.describe(`/subscriptions/${randomUUID()}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/x`))).toMatchObject({ code: 'InvalidResourceId', kind: 'refused' });
  });

  it("launch refusals carry ARM's code: unknown image, no SSH key, unknown key resource; a malformed image URN is refused before any call", async () => {
    const c = client();
    expect(await refusal(launch(c, { imageId: 'Canonical:no-such-offer:server:latest' }))).toMatchObject({ code: 'PlatformImageNotFound', kind: 'refused' });
    const noKey = await refusal(launch(c, { keyPair: null }));
    expect(noKey).toMatchObject({ code: 'InvalidParameter', kind: 'refused' });
    expect(noKey.message).toMatch(/SSH/);
    expect(await refusal(launch(c, { keyPair: 'nobody' }))).toMatchObject({ code: 'ResourceNotFound', kind: 'refused' });
    const before = fake.requests.length;
    const urn = await refusal(launch(c, { imageId: 'ami-0abcdef' }));
    expect(urn).toMatchObject({ code: 'InvalidImageReference', kind: 'refused' });
    expect(fake.requests.length).toBe(before);
  });

  it('the provider factory takes clouds.azure: endpoints, resource group, and the CA from caFile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-azure-ca-'));
    try {
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, cert.cert, { mode: 0o600 });
      const make = azureVms({ endpoint: fake.endpoint, authorityHost: fake.endpoint, resourceGroup: RG, caFile }, 10_000);
      const c = make(credential(), 'eastus') as AzureVirtualMachines;
      clients.push(c);
      await c.validate();
      const launched = await launch(c);
      expect(launched.instanceId).toContain(`/resourceGroups/${RG}/`);
      // Without the CA file the fake's certificate is not trusted.
      const untrusted = azureVms({ endpoint: fake.endpoint, authorityHost: fake.endpoint, resourceGroup: RG, caFile: '' }, 10_000)(credential());
      clients.push(untrusted as AzureVirtualMachines);
      expect(await refusal(untrusted.validate())).toMatchObject({ kind: 'unreachable' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the client secret is in no error message', () => {
    expect(errors.length).toBeGreaterThan(5);
    for (const e of errors) {
      expect(e.message).not.toContain(SECRET);
      expect(JSON.stringify(e)).not.toContain(SECRET);
    }
  });
});
