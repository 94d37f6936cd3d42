import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHubDb } from '../../../hub/core/db.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { keyring, parseKeys, SecretBox, SecretStore } from '../../../hub/identity/secrets.js';
import { runHubCli, writeHubConfig } from '../../helpers/hub.js';

function seed(dataDir: string, env: NodeJS.ProcessEnv, values: Record<string, string>) {
  mkdirSync(dataDir, { recursive: true });
  const db = openHubDb(hubFiles(dataDir).db);
  try {
    const store = new SecretStore(db, keyring(dataDir, env));
    for (const [k, v] of Object.entries(values)) store.put(k, v);
  } finally {
    db.close();
  }
}

function read(dataDir: string, env: NodeJS.ProcessEnv) {
  const db = openHubDb(hubFiles(dataDir).db);
  try {
    const store = new SecretStore(db, keyring(dataDir, env));
    const rows = db.prepare('SELECT name, ciphertext FROM secrets ORDER BY name').all() as { name: string; ciphertext: string }[];
    return { values: Object.fromEntries(store.names().map((n) => [n, store.get(n)])), keyIds: rows.map((r) => SecretBox.keyId(r.ciphertext)) };
  } finally {
    db.close();
  }
}

describe('kcloud-hub secrets rotate (CLI as a child process)', () => {
  it('documents itself', async () => {
    const help = await runHubCli(['secrets', 'rotate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('KCLOUD_SECRET_KEY');
    expect(help.stdout).toContain('--format');
  });

  it('re-encrypts every secret under a new key in secret.key and prints no value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-secrets-cli-'));
    const dataDir = join(dir, 'data');
    const config = writeHubConfig(`dataDir: ${dataDir}\n`, dir);
    seed(dataDir, {}, { 'pve/a': 'pve-root-pass', 'aws/b': 'aws-secret-key' });
    const oldId = parseKeys(readFileSync(join(dataDir, 'secret.key'), 'utf8'))[0]!.id;

    const res = await runHubCli(['secrets', 'rotate', '--config', config, '--format', 'json'], { KCLOUD_SECRET_KEY: '' });
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ source: 'file', reencrypted: 2, retiredKeyIds: [oldId] });
    expect(res.stdout + res.stderr).not.toMatch(/pve-root-pass|aws-secret-key/);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(read(dataDir, {})).toEqual({ values: { 'aws/b': 'aws-secret-key', 'pve/a': 'pve-root-pass' }, keyIds: [out.keyId, out.keyId] });

    const table = await runHubCli(['secrets', 'rotate', '--config', config], { KCLOUD_SECRET_KEY: '' });
    expect(table.stdout).toMatch(new RegExp(`^re-encrypted 2 secret\\(s\\) with key [0-9a-f]{8} \\(from file\\); retired keys: ${out.keyId}\\n$`));
  });

  it('with KCLOUD_SECRET_KEY moves every secret onto its first key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-secrets-env-'));
    const dataDir = join(dir, 'data');
    const config = writeHubConfig(`dataDir: ${dataDir}\n`, dir);
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    seed(dataDir, { KCLOUD_SECRET_KEY: oldKey }, { s: 'value-1' });
    const res = await runHubCli(['secrets', 'rotate', '--config', config, '--format', 'json'], { KCLOUD_SECRET_KEY: `${newKey},${oldKey}` });
    expect(res.code).toBe(0);
    const [n, o] = parseKeys(`${newKey} ${oldKey}`);
    expect(JSON.parse(res.stdout)).toEqual({ source: 'env', keyId: n!.id, retiredKeyIds: [o!.id], reencrypted: 1 });
    expect(read(dataDir, { KCLOUD_SECRET_KEY: newKey }).values).toEqual({ s: 'value-1' });
    const bad = await runHubCli(['secrets', 'rotate', '--config', config], { KCLOUD_SECRET_KEY: 'c2hvcnQ=' });
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining('32 bytes')]);
  });
});
