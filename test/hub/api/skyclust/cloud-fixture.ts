import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { VmStatusEvent } from '../../../../hub/bus.js';
import { FakeAzure, type FakeAzureOptions } from '../../../fakes/azure/arm.js';
import type { FakeGce } from '../../../fakes/gcp/compute.js';
import { selfSignedCertificate } from '../../../fakes/proxmox/certificate.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { GCP_PROJECT, type ServiceAccountFile } from '../../integrations/clouds/gce.js';

/** The setup the cloud VM tests share: a real hub with a cloud's fake, its users' workspaces and credentials, and the VM events on its bus. */

export type User = [string, string];

/** A JSON request to the hub as `user`. */
export function sendJson(h: ApiHub, method: string, path: string, body: unknown, user: User): Promise<Response> {
  return h.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user });
}

/** A workspace `owner` creates; its id. */
export async function createWorkspace(h: ApiHub, name: string, owner: User): Promise<string> {
  const res = await sendJson(h, 'POST', '/api/v1/workspaces', { name }, owner);
  expect(res.status).toBe(201);
  return (await res.json()).data.id as string;
}

/** A cloud credential `owner` stores for a workspace (201, or the test fails here). */
export async function addCredential(h: ApiHub, owner: User, credential: { name: string; provider: string; data: Record<string, unknown>; workspace_id: string }): Promise<void> {
  expect((await sendJson(h, 'POST', '/api/v1/credentials', credential, owner)).status).toBe(201);
}

export interface CloudHub {
  hub: ApiHub;
  /** Every vm-status-changed event of the hub's bus, oldest first. */
  events: VmStatusEvent[];
  /** Resolves once the VM has had this status (woken by the bus's events, no polling). */
  waitFor(vmId: string, status: VmStatusEvent['status']): Promise<void>;
  /** The statuses a VM's events went through, in order. */
  statuses(vmId: string): VmStatusEvent['status'][];
}

/** A real hub whose reconciler looks at the clouds every 100 ms (`clouds`: the fakes' endpoints), recording its VM events. */
export async function startCloudHub(clouds: Record<string, unknown>): Promise<CloudHub> {
  const hub = await startApiHub({ clouds: { ...clouds, reconcileInterval: '100ms' } });
  const events: VmStatusEvent[] = [];
  const waiters: (() => void)[] = [];
  hub.hub.bus.on('vm-status-changed', (e) => {
    events.push(e);
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = async (vmId: string, status: VmStatusEvent['status']) => {
    while (!events.some((e) => e.vmId === vmId && e.status === status)) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { hub, events, waitFor, statuses: (vmId) => events.filter((e) => e.vmId === vmId).map((e) => e.status) };
}

/** The hub's `clouds.gcp` for the fake Compute Engine. */
export const gcpClouds = (fake: FakeGce) => ({ gcp: { endpoint: fake.endpoint, tokenUrl: fake.tokenUrl } });

/** A GCP credential's data: the service account's key file, in GCP_PROJECT. */
export const gcpData = (sa: ServiceAccountFile) => ({ service_account_json: sa.keyFile, project: GCP_PROJECT });

export interface AzureFixture {
  fake: FakeAzure;
  /** The fake's self-signed certificate (PEM), for SDK clients to trust. */
  cert: string;
  /** That certificate in a file (0600), for the hub's `clouds.azure.caFile`. */
  caFile: string;
  stop(): Promise<void>;
}

/** The fake Entra ID + Resource Manager over https, on a fresh self-signed certificate. */
export async function startFakeAzure(opts: Omit<FakeAzureOptions, 'cert' | 'key'>): Promise<AzureFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-azure-'));
  const cert = await selfSignedCertificate('azure-fake');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, cert.cert, { mode: 0o600 });
  const fake = await new FakeAzure({ ...opts, cert: cert.cert, key: cert.key }).start();
  return {
    fake,
    cert: cert.cert,
    caFile,
    async stop() {
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
