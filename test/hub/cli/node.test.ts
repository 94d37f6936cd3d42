import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { login, runHubCli, writeHubConfig } from '../../helpers/hub.js';

describe('kcloud-hub node (CLI as a child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-hub-cli-'));
  const dataDir = join(dir, 'data');
  const config = writeHubConfig(`dataDir: ${dataDir}\n`, dir);

  it('adds, lists and removes nodes; the printed credential logs in', async () => {
    const add = await runHubCli(['node', 'add', 'gpu-01', '--cluster', 'lab', '--config', config, '--format', 'json']);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const cred = JSON.parse(add.stdout) as { name: string; cluster: string; username: string; password: string };
    expect(cred).toMatchObject({ name: 'gpu-01', cluster: 'lab', username: 'gpu-01' });
    expect(cred.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await login(dataDir, 'gpu-01', cred.password)).toMatchObject({ kind: 'node', name: 'gpu-01', cluster: 'lab' });

    // --password-file: written 0600 for the agent's mqtt.passwordFile, not printed.
    const pwFile = join(dir, 'gpu-02.password');
    const add2 = await runHubCli(['node', 'add', 'gpu-02', '--config', config, '--password-file', pwFile]);
    expect(add2.code).toBe(0);
    expect(statSync(pwFile).mode & 0o777).toBe(0o600);
    const pw = readFileSync(pwFile, 'utf8').trim();
    expect(add2.stdout).not.toContain(pw);
    expect(add2.stdout).toContain(`written to ${pwFile}`);
    expect(await login(dataDir, 'gpu-02', pw)).toMatchObject({ kind: 'node', name: 'gpu-02', cluster: 'default' });

    const dup = await runHubCli(['node', 'add', 'gpu-01', '--config', config]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already used');

    const list = await runHubCli(['node', 'list', '--config', config, '--format', 'json']);
    expect(list.code).toBe(0);
    const nodes = JSON.parse(list.stdout) as { name: string; cluster: string; state: string; lastSeq: number | null }[];
    expect(nodes.map((n) => [n.name, n.cluster, n.state, n.lastSeq])).toEqual([
      ['gpu-02', 'default', 'unknown', null],
      ['gpu-01', 'lab', 'unknown', null],
    ]);
    const table = await runHubCli(['node', 'list', '--config', config]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NODE\s+CLUSTER\s+STATE\s+LAST SEEN\s+LAST SEQ\s+GAPS/);
    expect(table.stdout).toMatch(/^gpu-01\s+lab\s+unknown/m);

    const rm = await runHubCli(['node', 'remove', 'gpu-01', '--config', config]);
    expect(rm.code).toBe(0);
    expect(await login(dataDir, 'gpu-01', cred.password)).toBeNull();
    const after = JSON.parse((await runHubCli(['node', 'list', '--config', config, '--format', 'json'])).stdout) as { name: string }[];
    expect(after.map((n) => n.name)).toEqual(['gpu-02']);
    const rm2 = await runHubCli(['node', 'remove', 'gpu-01', '--config', config]);
    expect(rm2.code).toBe(1);
    expect(rm2.stderr).toContain('no node "gpu-01"');
  }, 60_000);

  it('exits 2 on a bad --format or an invalid config key, naming it', async () => {
    const fmt = await runHubCli(['node', 'list', '--config', config, '--format', 'xml']);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toContain('invalid --format "xml"');
    const bad = writeHubConfig(`dataDir: ${dataDir}\nbroker:\n  prot: 1883\n`, mkdtempSync(join(tmpdir(), 'kcloud-hub-cli-')));
    const cfg = await runHubCli(['node', 'list', '--config', bad]);
    expect(cfg.code).toBe(2);
    expect(cfg.stderr).toContain('config key "broker.prot"');
  }, 30_000);
});
