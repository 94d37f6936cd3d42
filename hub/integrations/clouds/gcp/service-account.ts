import { createHash, createPrivateKey } from 'node:crypto';
import { JWT } from 'google-auth-library';
import type { GcpCredential } from '../credential-data.js';
import { CloudProviderError } from '../provider-error.js';

/** Where google-auth-library (gtoken) sends service-account assertions; it has no option to change it. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

export interface GcpAuthOptions {
  /** Empty: Google's token URL; else where the assertion is exchanged (a private cloud, the fake in tests). */
  tokenUrl: string;
  timeoutMs: number;
}

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
}

const badKey = (message: string) => new CloudProviderError('gcp', 'InvalidServiceAccountKey', message, 'refused');

/**
 * The key file's fields the hub uses. Its `token_uri` is ignored: the hub
 * sends signed assertions only to the configured token URL, never to one a
 * client chose.
 */
export function serviceAccountKey(c: GcpCredential): ServiceAccountKey {
  let json: unknown = c.service_account_json;
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch {
      throw badKey('service_account_json is not JSON');
    }
  }
  const k = json as Partial<Record<string, unknown>> | null;
  if (typeof k !== 'object' || k === null || k.type !== 'service_account') throw badKey('service_account_json is not a service-account key file (type must be "service_account")');
  if (typeof k.client_email !== 'string' || !k.client_email.includes('@')) throw badKey('service_account_json has no client_email');
  if (typeof k.private_key !== 'string') throw badKey('service_account_json has no private_key');
  let type: string | undefined;
  try {
    type = createPrivateKey(k.private_key).asymmetricKeyType;
  } catch {
    throw badKey('service_account_json\'s private_key is not a PEM private key');
  }
  // Google signs service-account assertions with RS256 only.
  if (type !== 'rsa') throw badKey(`service_account_json's private_key is an ${type} key, not RSA`);
  return { client_email: k.client_email, private_key: k.private_key, ...(typeof k.private_key_id === 'string' ? { private_key_id: k.private_key_id } : {}) };
}

/** Auth clients by key and token URL: an access token lasts an hour, so the reconciler's calls reuse it instead of a grant per call. */
const clients = new Map<string, JWT>();
const MAX_CLIENTS = 100;

/**
 * An OAuth2 client that exchanges a JWT signed with the service account's
 * key for access tokens (google-auth-library's JWT client, with a scope so
 * that it asks the token endpoint rather than self-signing), which it keeps
 * and renews before they expire. Its transport sends the token request to
 * `tokenUrl` when one is configured, and retries nothing: the reconciler
 * retries on its own schedule, and a refused key must answer at once.
 */
export function gcpAuth(c: GcpCredential, opts: GcpAuthOptions): JWT {
  const key = serviceAccountKey(c);
  const id = createHash('sha256').update(JSON.stringify([opts.tokenUrl, opts.timeoutMs, key.client_email, key.private_key])).digest('hex');
  const known = clients.get(id);
  if (known) return known;
  const jwt = new JWT({ email: key.client_email, key: key.private_key, keyId: key.private_key_id, scopes: SCOPES, transporterOptions: { timeout: opts.timeoutMs } });
  jwt.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (String(config.url) === GOOGLE_TOKEN_URL) {
        if (opts.tokenUrl) config.url = new URL(opts.tokenUrl);
        config.retryConfig = { ...config.retryConfig, retry: 0, noResponseRetries: 0 };
      }
      return config;
    },
  });
  // Oldest out first: Map keeps insertion order.
  if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value!);
  clients.set(id, jwt);
  return jwt;
}
