import { ApiError, invalidParameter } from '../api/errors.js';
import type { SecretStore } from '../identity/secrets.js';
import { vaultSecretName } from './vault-names.js';

/** `secret/ssh`: segments of letters, digits, `_ . -` (no `..`), at most 200 characters. */
const VAULT_PATH = /^(?=.{1,200}$)[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;
const MAX_KEYS = 64;
const MAX_VALUE = 64 * 1024;

export type SecretData = Record<string, string>;

/**
 * The seed's Vault API on the hub's secrets box (AES-GCM at rest,
 * docs/security.md): each path one `secrets` row holding a JSON object of
 * strings. A HashiCorp Vault / OpenBao backend is not implemented.
 */
export class VaultSecrets {
  constructor(private readonly secrets: SecretStore) {}

  static checkPath(path: string): string {
    if (!VAULT_PATH.test(path) || path.split('/').some((s) => s === '..' || s === '.')) throw invalidParameter('path', 'must be segments of letters, digits, _ . - separated by / (at most 200 characters)');
    return path;
  }

  static checkData(data: unknown): SecretData {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidParameter('body', 'must be an object of string values');
    const entries = Object.entries(data as Record<string, unknown>);
    if (entries.length === 0 || entries.length > MAX_KEYS) throw invalidParameter('body', `must hold 1 to ${MAX_KEYS} keys`);
    for (const [k, v] of entries) {
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(k)) throw invalidParameter(k.slice(0, 100) || 'body', 'key must be letters, digits, _ . - (at most 100)');
      if (typeof v !== 'string' || v.length > MAX_VALUE) throw invalidParameter(k, `must be a string of at most ${MAX_VALUE} characters`);
    }
    return Object.fromEntries(entries) as SecretData;
  }

  /** The stored keys and values; 404 when the path holds nothing. */
  read(path: string): SecretData {
    const stored = this.secrets.get(vaultSecretName(VaultSecrets.checkPath(path)));
    if (stored === null) throw new ApiError('NOT_FOUND', `no secret at ${path}`);
    return JSON.parse(stored) as SecretData;
  }

  /** Replaces the path's data (KV v2 writes a whole new version); answers the key names. */
  write(path: string, data: unknown): string[] {
    const valid = VaultSecrets.checkData(data);
    this.secrets.put(vaultSecretName(VaultSecrets.checkPath(path)), JSON.stringify(valid));
    return Object.keys(valid);
  }

  /** How many paths the box holds. */
  count(): number {
    return this.secrets.names().filter((n) => n.startsWith(vaultSecretName(''))).length;
  }
}
