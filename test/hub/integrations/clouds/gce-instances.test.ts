import { generateKeyPairSync } from 'node:crypto';
import { ZoneOperationsClient } from '@google-cloud/compute';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GceInstances, instanceName } from '../../../../hub/integrations/clouds/gcp/instances.js';
import { gcpAuth } from '../../../../hub/integrations/clouds/gcp/service-account.js';
import { CloudProviderError } from '../../../../hub/integrations/clouds/provider-error.js';
import type { FakeGce } from '../../../fakes/gcp/compute.js';
import { freePort } from '../../../helpers/mosquitto.js';
import { DEBIAN, GCP_PROJECT, serviceAccount, startFakeGce } from './gce.js';

const ZONE = 'us-central1-a';
const launchReq = (clientToken: string, over: Partial<{ instanceType: string; imageId: string }> = {}) => ({ imageId: DEBIAN, instanceType: 'e2-small', keyPair: 'ann:ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKcloudTestKey ann', name: 'Web server #1', clientToken, workspaceId: '0b6c0d52-6d8b-4f4e-9d6a-3c4b7a1e2f30', ...over });

/** The GCE provider client through the real @google-cloud/compute SDK and google-auth-library against the fake. */
describe('GceInstances', () => {
  const sa = serviceAccount();
  let fake: FakeGce;
  const client = (zone: string | null = ZONE, key = sa.keyFile, project = GCP_PROJECT) => new GceInstances({ service_account_json: key, project }, zone, { endpoint: fake.endpoint, tokenUrl: fake.tokenUrl, timeoutMs: 10_000 });
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CloudProviderError);
    return err as CloudProviderError;
  };

  beforeAll(async () => {
    fake = await startFakeGce([sa]);
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it('validates a key with the JWT grant at the configured token URL, and refuses a key the token endpoint does not accept', async () => {
    const c = client(null);
    await c.validate();
    c.close();
    expect(fake.grants).toContain(sa.email);
    // Same account name, another key: the assertion's signature does not verify.
    const forged = { ...sa.keyFile, private_key: serviceAccount().keyFile.private_key };
    const err = await refusal(client(null, forged).validate());
    expect(err).toMatchObject({ provider: 'gcp', code: 'invalid_grant', kind: 'refused', message: 'Invalid JWT Signature.' });
    const other = await refusal(client(null, sa.keyFile, 'someone-elses').validate());
    expect(other).toMatchObject({ code: 'forbidden', kind: 'refused' });
    expect(other.message).toContain('projects/someone-elses');
  });

  it('launches with requestId = client token (a retry starts nothing twice), follows PROVISIONING -> STAGING -> RUNNING, deletes until 404', async () => {
    const token = '0b4f6c1e-2a8d-4e8b-9c3f-5d7a1e2b3c4d';
    const grants = fake.grants.length;
    const c = client();
    const first = await c.launch(launchReq(token));
    expect(first).toEqual({ instanceId: instanceName(token), status: 'pending', reason: null, publicIp: null, privateIp: null, zone: ZONE });
    expect(await c.launch(launchReq(token))).toEqual(first);
    expect([...fake.instances.values()].filter((i) => i.name === first.instanceId)).toHaveLength(1);
    expect([...fake.operations.values()].filter((op) => op.requestId === token)).toHaveLength(1);
    const stored = fake.instances.get(`${GCP_PROJECT}/${ZONE}/${first.instanceId}`)!;
    expect(stored).toMatchObject({ description: 'Web server #1', machineType: 'e2-small', sourceImage: DEBIAN });

    expect(await c.describe(first.instanceId)).toMatchObject({ status: 'pending' });
    expect(await c.describe(first.instanceId)).toMatchObject({ status: 'pending' });
    const running = await c.describe(first.instanceId);
    expect(running).toEqual({ instanceId: first.instanceId, status: 'running', reason: null, publicIp: stored.natIP, privateIp: stored.networkIP, zone: ZONE, instanceType: 'e2-small', imageId: null });

    await c.terminate(first.instanceId);
    expect(await c.describe(first.instanceId)).toMatchObject({ status: 'stopping' });
    expect(await c.describe(first.instanceId)).toBeNull();
    // Deleting what is already gone is done, not an error.
    await c.terminate(first.instanceId);
    c.close();
    // Nine calls, at most one token grant: the access token is kept for the key, not asked for per call.
    expect(fake.grants.length - grants).toBeLessThanOrEqual(1);
  });

  it('reports a failed insert operation as terminated with its error, and refuses a retry of it with that error', async () => {
    const token = '7c2e9a40-1b3d-4f5e-8a6b-0c1d2e3f4a5b';
    const c = client();
    const launched = await c.launch(launchReq(token, { instanceType: 'n2-standard-64' }));
    expect(launched.status).toBe('pending');
    // The operation is PENDING, then RUNNING (no instance yet: still pending), then DONE with QUOTA_EXCEEDED.
    expect(await c.describe(launched.instanceId)).toMatchObject({ status: 'pending' });
    const failed = await c.describe(launched.instanceId);
    expect(failed).toMatchObject({ status: 'terminated', reason: "QUOTA_EXCEEDED: Quota 'CPUS' exceeded.  Limit: 8.0 in region us-central1." });
    const retry = await refusal(c.launch(launchReq(token, { instanceType: 'n2-standard-64' })));
    expect(retry).toMatchObject({ code: 'QUOTA_EXCEEDED', kind: 'refused' });
    c.close();
  });

  it('answers zoneOperations.get and wait as the SDK expects: wait runs an operation to DONE', async () => {
    const c = client();
    const launched = await c.launch(launchReq('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', { instanceType: 'n2-standard-64' }));
    c.close();
    const u = new URL(fake.endpoint);
    const ops = new ZoneOperationsClient({ apiEndpoint: u.hostname, port: Number(u.port), protocol: 'http', fallback: true, authClient: gcpAuth({ service_account_json: sa.keyFile, project: GCP_PROJECT }, { tokenUrl: fake.tokenUrl, timeoutMs: 10_000 }) });
    const [op] = [...fake.operations.values()].filter((o) => o.targetName === launched.instanceId);
    const [got] = await ops.get({ project: GCP_PROJECT, zone: ZONE, operation: op!.name });
    expect(got).toMatchObject({ name: op!.name, operationType: 'insert', status: 'RUNNING' });
    const [done] = await ops.wait({ project: GCP_PROJECT, zone: ZONE, operation: op!.name });
    expect(done.status).toBe('DONE');
    expect(done.error?.errors?.[0]).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    await ops.close();
  });

  it('refuses an unknown image or machine type with GCE\'s reason and message, and says unreachable when nothing answers', async () => {
    const c = client();
    const image = await refusal(c.launch(launchReq('11111111-2222-4333-8444-555555555555', { imageId: 'projects/debian-cloud/global/images/nope' })));
    expect(image).toMatchObject({ code: 'invalid', kind: 'refused' });
    expect(image.message).toContain('The referenced image resource cannot be found.');
    const zone = await refusal(client('mars-north1-z').launch(launchReq('21111111-2222-4333-8444-555555555555')));
    expect(zone).toMatchObject({ code: 'notFound' });
    c.close();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = new GceInstances({ service_account_json: JSON.stringify(sa.keyFile), project: GCP_PROJECT }, ZONE, { endpoint: closed, tokenUrl: `${closed}/token`, timeoutMs: 5000 });
    expect(await refusal(down.validate())).toMatchObject({ code: 'Unreachable', kind: 'unreachable' });
    down.close();
  });

  it('refuses key files that are not service-account keys before asking anyone', async () => {
    const grants = fake.grants.length;
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    for (const bad of ['not json', '{"type":"authorized_user"}', JSON.stringify({ ...sa.keyFile, private_key: 'not a key' }), JSON.stringify({ ...sa.keyFile, client_email: undefined }), JSON.stringify({ ...sa.keyFile, private_key: ecKey })]) {
      expect(() => client(null, bad as never)).toThrow(CloudProviderError);
    }
    expect(fake.grants.length).toBe(grants);
  });
});
