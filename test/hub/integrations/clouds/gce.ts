import { generateKeyPairSync } from 'node:crypto';
import { FakeGce, type FakeGceOptions } from '../../../fakes/gcp/compute.js';

export const GCP_PROJECT = 'kcloud-test-1';
export const DEBIAN = 'projects/debian-cloud/global/images/debian-12-bookworm-v20261201';

/** A service account's key file as Google issues it (a fresh RSA key pair), and its public key for the fake. */
export function serviceAccount(email = `hub@${GCP_PROJECT}.iam.gserviceaccount.com`) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = {
    type: 'service_account',
    project_id: GCP_PROJECT,
    private_key_id: '3f1e2d4c5b6a7980',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    client_email: email,
    client_id: '109876543210987654321',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
  };
  return { email, keyFile, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

export type ServiceAccountFile = ReturnType<typeof serviceAccount>;

/** The fake Compute Engine with one service account allowed in GCP_PROJECT; QUOTA_EXCEEDED for n2-standard-64. */
export async function startFakeGce(accounts: ServiceAccountFile[], opts: Partial<FakeGceOptions> = {}): Promise<FakeGce> {
  return new FakeGce({
    serviceAccounts: accounts.map((a) => ({ email: a.email, publicKey: a.publicKey, projects: [GCP_PROJECT] })),
    images: [DEBIAN],
    quotaExceeded: ['n2-standard-64'],
    ...opts,
  }).start();
}
