import { ApiError, invalidParameter } from '../api/errors.js';
import type { SecretStore } from '../identity/secrets.js';
import { SSH_KEY_PATH, vaultSecretName } from './vault-names.js';

/** `secret/ssh`: segments of letters, digits, `_ . -` (no `..`), at most 200 characters. */
const VAULT_PATH = /^(?=.{1,200}$)[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;
const MAX_KEYS = 64;
const MAX_VALUE = 64 * 1024;
/** Vault paths the secrets box holds at most: the seed has no delete, so what an admin writes would otherwise only grow. */
export const MAX_BOX_PATHS = 1000;

export type SecretData = Record<string, string>;

/** GET /api/vault/status: which backend, and whether it can be used. */
export interface VaultStatus {
  /** running; for Vault also standby, sealed, uninitialized, unreachable. */
  status: string;
  backend: 'secrets_box' | 'vault';
  sealed: boolean;
  /** Paths the secrets box holds (Vault does not count them). */
  secrets?: number;
  initialized?: boolean;
  /** The Vault server's version (sys/health). */
  version?: string;
  /** Why Vault is not usable (unreachable, an unexpected answer). */
  message?: string;
}

export interface SecretRead {
  data: SecretData;
  /** KV v2's version of what was read; the secrets box keeps no versions. */
  version?: number;
}

export interface SecretWrite {
  keys: string[];
  /** KV v2's version the write made. */
  version?: number;
}

/**
 * Where the seed's vault paths live: the hub's secrets box, or a Vault /
 * OpenBao KV v2 mount (vault-kv2.ts). Both take the same checked paths and
 * data and answer the same errors (ApiError: 404 when a path holds nothing).
 */
export interface SecretsBackend {
  status(): Promise<VaultStatus>;
  read(path: string): Promise<SecretRead>;
  write(path: string, data: unknown): Promise<SecretWrite>;
}

export function checkVaultPath(path: string): string {
  if (!VAULT_PATH.test(path) || path.split('/').some((s) => s === '..' || s === '.')) throw invalidParameter('path', 'must be segments of letters, digits, _ . - separated by / (at most 200 characters)');
  return path;
}

export function checkSecretData(data: unknown): SecretData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidParameter('body', 'must be an object of string values');
  const entries = Object.entries(data as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_KEYS) throw invalidParameter('body', `must hold 1 to ${MAX_KEYS} keys`);
  for (const [k, v] of entries) {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(k)) throw invalidParameter(k.slice(0, 100) || 'body', 'key must be letters, digits, _ . - (at most 100)');
    if (typeof v !== 'string' || v.length > MAX_VALUE) throw invalidParameter(k, `must be a string of at most ${MAX_VALUE} characters`);
  }
  return Object.fromEntries(entries) as SecretData;
}

/**
 * The seed's Vault API on the hub's secrets box (AES-GCM at rest,
 * docs/security.md): each path one `secrets` row holding a JSON object of
 * strings.
 */
export class BoxSecrets implements SecretsBackend {
  constructor(
    private readonly secrets: SecretStore,
    private readonly maxPaths = MAX_BOX_PATHS,
  ) {}

  async status(): Promise<VaultStatus> {
    return { status: 'running', backend: 'secrets_box', sealed: false, secrets: this.count() };
  }

  /** The stored keys and values; 404 when the path holds nothing. */
  async read(path: string): Promise<SecretRead> {
    const stored = this.secrets.get(vaultSecretName(checkVaultPath(path)));
    if (stored === null) throw new ApiError('NOT_FOUND', `no secret at ${path}`);
    return { data: JSON.parse(stored) as SecretData };
  }

  /** Replaces the path's data (KV v2 writes a whole new version); answers the key names. */
  async write(path: string, data: unknown): Promise<SecretWrite> {
    const valid = checkSecretData(data);
    const name = vaultSecretName(checkVaultPath(path));
    if (this.secrets.get(name) === null && this.count() >= this.maxPaths) {
      throw new ApiError('CONFLICT', `the secrets box holds ${this.maxPaths} vault paths, the most it keeps: write to one of those instead`, { field: 'path' });
    }
    this.secrets.put(name, JSON.stringify(valid));
    return { keys: Object.keys(valid) };
  }

  /** How many paths the box holds. */
  private count(): number {
    return this.secrets.names().filter((n) => n.startsWith(vaultSecretName(''))).length;
  }
}

/** The servers' SSH public key (`public_key` of secret/ssh); null when the path or the key is not there. Other errors (a sealed Vault) are thrown. */
export async function readSshPublicKey(backend: SecretsBackend): Promise<string | null> {
  let data: SecretData;
  try {
    ({ data } = await backend.read(SSH_KEY_PATH));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
  const key = data.public_key;
  return typeof key === 'string' && key.trim() ? key.trim() : null;
}
