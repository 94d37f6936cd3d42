import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHubDb } from '../../../hub/core/db.js';
import { hubFiles } from '../../../hub/core/paths.js';
import { operatorSecretNameProblem } from '../../../hub/identity/operator-secrets.js';
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

// Each case starts the CLI several times (a few seconds each on a busy machine).
describe('kcloud-hub secrets set / list / delete (CLI as a child process)', { timeout: 120_000 }, () => {
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-secrets-set-'));
    const dataDir = join(dir, 'data');
    return { dir, dataDir, config: writeHubConfig(`dataDir: ${dataDir}\n`, dir) };
  };
  const env = { KCLOUD_SECRET_KEY: '' };

  it('documents itself', async () => {
    const help = await runHubCli(['secrets', 'set', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--from-file');
    expect(help.stdout).toContain('stdin');
  });

  it('stores a value from stdin or a file, encrypted, never printing it; list shows names and owners only', async () => {
    const { dir, dataDir, config } = setup();
    seed(dataDir, env, { 'proxmox/abc': 'pve-pass' });
    const token = `vm-token-${randomBytes(8).toString('hex')}`;
    const set = await runHubCli(['secrets', 'set', 'vm-bearer', '--config', config], env, `${token}\n`);
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('stored secret vm-bearer (encrypted in hub.db)\n');
    const file = join(dir, 'password');
    writeFileSync(file, 'from-a-file', { mode: 0o600 });
    expect((await runHubCli(['secrets', 'set', 'vm.password', '--from-file', file, '--config', config], env)).code).toBe(0);
    const again = await runHubCli(['secrets', 'set', 'vm-bearer', '--config', config], env, 'second');
    expect(again.stdout).toBe('replaced secret vm-bearer (encrypted in hub.db)\n');
    expect(read(dataDir, env).values).toEqual({ 'proxmox/abc': 'pve-pass', 'vm-bearer': 'second', 'vm.password': 'from-a-file' });
    const db = openHubDb(hubFiles(dataDir).db);
    try {
      const text = JSON.stringify(db.prepare('SELECT * FROM secrets').all());
      expect(text).not.toContain('second');
      expect(text).not.toContain('from-a-file');
    } finally {
      db.close();
    }

    const list = await runHubCli(['secrets', 'list', '--config', config, '--format', 'json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((r: { name: string; owner: string }) => [r.name, r.owner])).toEqual([
      ['proxmox/abc', 'hub'],
      ['vm-bearer', 'operator'],
      ['vm.password', 'operator'],
    ]);
    const table = await runHubCli(['secrets', 'list', '--config', config], env);
    expect(table.stdout).toMatch(/^vm-bearer\toperator\t\d{4}-/m);
    for (const out of [set, again, list, table]) expect(out.stdout + out.stderr).not.toMatch(new RegExp(`${token}|second|from-a-file|pve-pass`));
  });

  it('refuses the hub\'s own names, bad names, empty and oversized values, and stores nothing then', async () => {
    const { dataDir, config } = setup();
    seed(dataDir, env, { 'proxmox/abc': 'pve-pass' });
    for (const name of ['proxmox/abc', 'node-credential-key', 'with space']) {
      const res = await runHubCli(['secrets', 'set', '--config', config, '--', name], env, 'overwritten');
      expect(res.code, name).toBe(2);
      expect(res.stderr).toMatch(/kcloud-hub: /);
    }
    expect((await runHubCli(['secrets', 'set', 'empty', '--config', config], env, '\n')).stderr).toContain('the value is empty');
    const huge = await runHubCli(['secrets', 'set', 'huge', '--config', config], env, 'x'.repeat(64 * 1024 + 1));
    expect([huge.code, huge.stderr]).toEqual([2, 'kcloud-hub: the value is over 65536 bytes\n']);
    expect(read(dataDir, env).values).toEqual({ 'proxmox/abc': 'pve-pass' });
    expect((await runHubCli(['secrets', 'delete', 'proxmox/abc', '--config', config], env)).code).toBe(2);
    expect(read(dataDir, env).values).toEqual({ 'proxmox/abc': 'pve-pass' });
  });

  it('deletes an operator secret; deleting one that is not there exits 1', async () => {
    const { dataDir, config } = setup();
    expect((await runHubCli(['secrets', 'set', 'gone-soon', '--config', config], env, 'v')).code).toBe(0);
    const del = await runHubCli(['secrets', 'delete', 'gone-soon', '--config', config], env);
    expect([del.code, del.stdout]).toEqual([0, 'deleted secret gone-soon\n']);
    expect(read(dataDir, env).values).toEqual({});
    const missing = await runHubCli(['secrets', 'delete', 'gone-soon', '--config', config], env);
    expect([missing.code, missing.stderr]).toEqual([1, 'kcloud-hub: no secret named gone-soon\n']);
  });
});

describe('operator secret names', () => {
  it('takes plain names and refuses the hub\'s own rows and anything else', () => {
    for (const ok of ['vm-bearer', 'vm.password', 'A_1', 'x'.repeat(128)]) expect(operatorSecretNameProblem(ok), ok).toBeNull();
    for (const bad of ['proxmox/abc', 'cloud-credential/1', 'vault/secret/ssh', 'node-credential-key', 'with space', '-flag', '.hidden', '', 'x'.repeat(129), 'tab\there']) expect(operatorSecretNameProblem(bad), bad).not.toBeNull();
  });
});
