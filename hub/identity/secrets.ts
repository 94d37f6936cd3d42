import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HubDb } from '../core/db.js';

/** Ciphertext format version: `kcs1.<key id>.<iv>.<ciphertext+tag>` (base64url parts). */
const FORMAT = 'kcs1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretKey {
  /** First 8 hex digits of the key's SHA-256: names the key inside ciphertexts without revealing it. */
  id: string;
  key: Buffer;
}

export class SecretError extends Error {
  override name = 'SecretError';
}

export function secretKey(key: Buffer): SecretKey {
  if (key.length !== KEY_BYTES) throw new SecretError(`a secret key is ${KEY_BYTES} bytes (base64), got ${key.length}`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

/** Keys as written in secret.key or KCLOUD_SECRET_KEY: base64, separated by newlines, spaces or commas; the first encrypts. */
export function parseKeys(text: string): SecretKey[] {
  const keys = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((b64) => secretKey(Buffer.from(b64, 'base64')));
  if (keys.length === 0) throw new SecretError('no secret key given');
  return keys;
}

const formatKeys = (keys: readonly SecretKey[]) => keys.map((k) => k.key.toString('base64')).join('\n') + '\n';

/** Where the keys come from: KCLOUD_SECRET_KEY when set, else `<dataDir>/secret.key` (created with one key, 0600). */
export interface Keyring {
  source: 'env' | 'file';
  file: string | null;
  load(): SecretKey[];
}

export function keyring(dataDir: string, env: NodeJS.ProcessEnv = process.env): Keyring {
  const fromEnv = env.KCLOUD_SECRET_KEY;
  if (fromEnv) return { source: 'env', file: null, load: () => parseKeys(fromEnv) };
  const file = join(dataDir, 'secret.key');
  return {
    source: 'file',
    file,
    load() {
      if (!existsSync(file)) {
        try {
          writeFileSync(file, formatKeys([secretKey(randomBytes(KEY_BYTES))]), { mode: 0o600, flag: 'wx' });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
      chmodSync(file, 0o600);
      return parseKeys(readFileSync(file, 'utf8'));
    },
  };
}

/** Replaces the key file in one rename, so a crash leaves the old or the new list, never half of one. */
export function writeKeyFile(file: string, keys: readonly SecretKey[]): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, formatKeys(keys), { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * AES-256-GCM with a random 96-bit IV per value. The secret's name is the
 * additional data, so a ciphertext copied onto another row does not decrypt.
 */
export class SecretBox {
  constructor(readonly keys: readonly SecretKey[]) {
    if (keys.length === 0) throw new SecretError('no secret key');
  }

  get current(): SecretKey {
    return this.keys[0]!;
  }

  encrypt(plaintext: string, name: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [FORMAT, this.current.id, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The key id a ciphertext was made with (to tell which need re-encrypting). */
  static keyId(ciphertext: string): string {
    const [format, id] = ciphertext.split('.');
    if (format !== FORMAT || !id) throw new SecretError(`unknown ciphertext format "${format}"`);
    return id;
  }

  canDecrypt(ciphertext: string): boolean {
    const id = SecretBox.keyId(ciphertext);
    return this.keys.some((k) => k.id === id);
  }

  decrypt(ciphertext: string, name: string): string {
    const [, id, iv, body] = ciphertext.split('.');
    const key = this.keys.find((k) => k.id === SecretBox.keyId(ciphertext));
    if (!key || !iv || !body) throw new SecretError(`no key ${id} for secret "${name}" (was secret.key replaced?)`);
    const data = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(name));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretError(`secret "${name}" does not decrypt (tampered, or stored under another name)`);
    }
  }
}

/**
 * Integration credentials in hub.db's `secrets` table. No API returns them
 * and nothing logs them. The keyring is read again before each write and on
 * an unknown key id, so a running hub follows `kcloud-hub secrets rotate`.
 */
export class SecretStore {
  private box: SecretBox;

  constructor(
    private readonly db: HubDb,
    private readonly ring: Keyring,
    private readonly now: () => number = Date.now,
  ) {
    this.box = new SecretBox(ring.load());
  }

  put(name: string, value: string): void {
    this.box = new SecretBox(this.ring.load());
    const now = this.now();
    this.db
      .prepare('INSERT INTO secrets (name, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at')
      .run(name, this.box.encrypt(value, name), now, now);
  }

  get(name: string): string | null {
    const row = this.db.prepare('SELECT ciphertext FROM secrets WHERE name = ?').get(name) as { ciphertext: string } | undefined;
    if (!row) return null;
    if (!this.box.canDecrypt(row.ciphertext)) this.box = new SecretBox(this.ring.load());
    return this.box.decrypt(row.ciphertext, name);
  }

  delete(name: string): boolean {
    return this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name).changes > 0;
  }

  names(): string[] {
    return (this.db.prepare('SELECT name FROM secrets ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }
}

export interface RotationResult {
  source: 'env' | 'file';
  /** The key every secret is now encrypted with. */
  keyId: string;
  /** Keys no secret uses any more (deleted from secret.key; to be removed from KCLOUD_SECRET_KEY by hand). */
  retiredKeyIds: string[];
  reencrypted: number;
}

/**
 * Re-encrypts every stored secret under the current key. With secret.key a
 * new key is generated first and written in front of the old ones, and the
 * old ones are dropped only after the re-encryption committed: a crash in
 * between leaves every secret readable. With KCLOUD_SECRET_KEY the operator
 * puts the new key first and restarts; rotate then moves everything onto it.
 */
export function rotateSecrets(db: HubDb, ring: Keyring): RotationResult {
  const old = ring.load();
  const keys = ring.source === 'file' ? [secretKey(randomBytes(KEY_BYTES)), ...old] : old;
  if (ring.source === 'file') writeKeyFile(ring.file!, keys);
  const box = new SecretBox(keys);
  const reencrypted = db.transaction(() => {
    const rows = db.prepare('SELECT name, ciphertext FROM secrets').all() as { name: string; ciphertext: string }[];
    const update = db.prepare('UPDATE secrets SET ciphertext = ? WHERE name = ?');
    for (const r of rows) update.run(box.encrypt(box.decrypt(r.ciphertext, r.name), r.name), r.name);
    return rows.length;
  }).immediate();
  if (ring.source === 'file') writeKeyFile(ring.file!, [box.current]);
  return { source: ring.source, keyId: box.current.id, retiredKeyIds: keys.slice(1).map((k) => k.id).filter((id) => id !== box.current.id), reencrypted };
}
