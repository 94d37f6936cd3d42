import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { keyring, parseKeys, rotateSecrets, SecretBox, secretKey, SecretStore } from '../../../hub/identity/secrets.js';

const ciphertexts = (db: HubDb) => db.prepare('SELECT name, ciphertext FROM secrets ORDER BY name').all() as { name: string; ciphertext: string }[];

describe('SecretBox', () => {
  const box = new SecretBox([secretKey(randomBytes(32))]);

  it('round-trips a value; each encryption differs (random IV) and carries the key id', () => {
    const a = box.encrypt('p@ss w0rd', 'pve/one');
    const b = box.encrypt('p@ss w0rd', 'pve/one');
    expect(a).not.toBe(b);
    expect(a.split('.').slice(0, 2)).toEqual(['kcs1', box.current.id]);
    expect(a).not.toContain('p@ss');
    expect(box.decrypt(a, 'pve/one')).toBe('p@ss w0rd');
  });

  it('refuses a tampered ciphertext, a ciphertext moved to another name, and an unknown key', () => {
    const c = box.encrypt('value', 'a');
    const parts = c.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 1;
    expect(() => box.decrypt([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'a')).toThrow(/does not decrypt/);
    expect(() => box.decrypt(c, 'b')).toThrow(/does not decrypt/);
    expect(() => new SecretBox([secretKey(randomBytes(32))]).decrypt(c, 'a')).toThrow(/no key/);
  });

  it('parses key lists and refuses keys of the wrong size', () => {
    const k1 = randomBytes(32).toString('base64');
    const k2 = randomBytes(32).toString('base64');
    expect(parseKeys(`${k1}, ${k2}\n`).map((k) => k.key.toString('base64'))).toEqual([k1, k2]);
    expect(() => parseKeys(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => parseKeys('  ')).toThrow(/no secret key/);
  });
});

describe('SecretStore and rotation', () => {
  let db: HubDb;
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kcloud-secrets-'));
    db = openHubDb(join(dataDir, 'hub.db'));
  });
  afterAll(() => db.close());

  it('creates secret.key 0600 and stores only ciphertexts', () => {
    const store = new SecretStore(db, keyring(dataDir, {}));
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    store.put('pve/cluster-a', 'root-password-1');
    store.put('aws/key', 'AKIA-secret');
    expect(store.get('pve/cluster-a')).toBe('root-password-1');
    expect(store.names()).toEqual(['aws/key', 'pve/cluster-a']);
    expect(JSON.stringify(ciphertexts(db))).not.toMatch(/root-password-1|AKIA-secret/);
    expect(store.get('missing')).toBeNull();
  });

  it('rotate (key file): new key, every secret re-encrypted, old key gone, a running store follows', () => {
    const running = new SecretStore(db, keyring(dataDir, {}));
    const oldId = parseKeys(readFileSync(join(dataDir, 'secret.key'), 'utf8'))[0]!.id;
    const before = ciphertexts(db);
    const result = rotateSecrets(db, keyring(dataDir, {}));
    expect(result).toMatchObject({ source: 'file', reencrypted: 2, retiredKeyIds: [oldId] });
    expect(result.keyId).not.toBe(oldId);
    const fileKeys = parseKeys(readFileSync(join(dataDir, 'secret.key'), 'utf8'));
    expect(fileKeys.map((k) => k.id)).toEqual([result.keyId]);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    const after = ciphertexts(db);
    for (const row of after) expect(SecretBox.keyId(row.ciphertext)).toBe(result.keyId);
    expect(after.map((r) => r.ciphertext)).not.toEqual(before.map((r) => r.ciphertext));
    // A store opened before the rotation reloads the key file instead of failing.
    expect(running.get('aws/key')).toBe('AKIA-secret');
    running.put('new', 'v');
    expect(SecretBox.keyId(ciphertexts(db).find((r) => r.name === 'new')!.ciphertext)).toBe(result.keyId);
  });

  it('rotate (KCLOUD_SECRET_KEY): re-encrypts under the first key and names the others retired', () => {
    const oldB64 = readFileSync(join(dataDir, 'secret.key'), 'utf8').trim();
    const newB64 = randomBytes(32).toString('base64');
    const env = { KCLOUD_SECRET_KEY: `${newB64} ${oldB64}` };
    const result = rotateSecrets(db, keyring(dataDir, env));
    const [newKey, oldKey] = parseKeys(env.KCLOUD_SECRET_KEY);
    expect(result).toMatchObject({ source: 'env', keyId: newKey!.id, retiredKeyIds: [oldKey!.id], reencrypted: 3 });
    const onlyNew = new SecretStore(db, keyring(dataDir, { KCLOUD_SECRET_KEY: newB64 }));
    expect(onlyNew.get('pve/cluster-a')).toBe('root-password-1');
  });
});
