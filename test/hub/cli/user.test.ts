import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { login, runHubCli, writeHubConfig } from '../../helpers/hub.js';

describe('kcloud-hub user (CLI as a child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-hub-cli-'));
  const dataDir = join(dir, 'data');
  const config = writeHubConfig(`dataDir: ${dataDir}\n`, dir);
  const secret = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text, { mode: 0o600 });
    return f;
  };

  it('adds, lists, changes passwords of and removes users', async () => {
    const alice = await runHubCli(['user', 'add', 'alice', '--role', 'viewer', '--config', config, '--format', 'json']);
    expect(alice.code).toBe(0);
    const a = JSON.parse(alice.stdout) as { username: string; role: string; password: string };
    expect(a).toMatchObject({ username: 'alice', role: 'viewer' });
    expect(a.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await login(dataDir, 'alice', a.password)).toMatchObject({ kind: 'user', username: 'alice', role: 'viewer' });

    const bob = await runHubCli(['user', 'add', 'bob', '--role', 'admin', '--email', 'bob@example.org', '--password-file', secret('bob', 'bob-password-1\n'), '--config', config]);
    expect(bob.code).toBe(0);
    expect(bob.stdout).toBe('user bob created with role admin\n');
    expect(await login(dataDir, 'bob', 'bob-password-1')).toMatchObject({ role: 'admin' });

    const bad = await runHubCli(['user', 'add', 'carol', '--role', 'root', '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid role "root"');

    const list = JSON.parse((await runHubCli(['user', 'list', '--config', config, '--format', 'json'])).stdout) as { username: string; role: string; email: string | null }[];
    expect(list.map((u) => [u.username, u.role, u.email])).toEqual([
      ['alice', 'viewer', null],
      ['bob', 'admin', 'bob@example.org'],
    ]);

    const pw = await runHubCli(['user', 'passwd', 'alice', '--password-file', secret('alice', 'alice-password-2'), '--config', config]);
    expect(pw.code).toBe(0);
    expect(await login(dataDir, 'alice', a.password)).toBeNull();
    expect(await login(dataDir, 'alice', 'alice-password-2')).not.toBeNull();

    const last = await runHubCli(['user', 'remove', 'bob', '--config', config]);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last admin');
    const rm = await runHubCli(['user', 'remove', 'alice', '--config', config]);
    expect(rm.code).toBe(0);
    expect(await login(dataDir, 'alice', 'alice-password-2')).toBeNull();
  }, 90_000);
});
