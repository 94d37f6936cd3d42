import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectMqtt, connectWhenUp, exited, runHubCli, spawnHub, telemetry, writeHubConfig } from '../../helpers/hub.js';
import { freePort } from '../../helpers/mosquitto.js';
import { waitFor } from '../../helpers/spawn-agent.js';

describe('kcloud-hub run / status (child processes)', () => {
  it('creates admin on the first start only, reports status, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-hub-run-'));
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const config = writeHubConfig(`dataDir: ${dataDir}\nbroker:\n  host: 127.0.0.1\n  port: ${port}\n`, dir);
    const url = `mqtt://127.0.0.1:${port}`;
    const pwFile = join(dir, 'gpu-01.password');
    expect((await runHubCli(['node', 'add', 'gpu-01', '--cluster', 'lab', '--password-file', pwFile, '--config', config])).code).toBe(0);

    // No KCLOUD_ADMIN_PASSWORD: the hub generates one.
    let hub = spawnHub(['run', '--config', config], { KCLOUD_ADMIN_PASSWORD: '' });
    const adminFile = join(dataDir, 'admin-password');
    try {
      await waitFor(() => existsSync(join(dataDir, 'status.json')), 30_000, 'first status.json');
      const password = readFileSync(adminFile, 'utf8').trim();
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(statSync(adminFile).mode & 0o777).toBe(0o600);
      expect(hub.logs.join('')).toContain(`created user "admin" with password ${password}`);
      // Only on stderr's one line, never in the JSON logs.
      expect(hub.logs.join('').split('\n').filter((l) => l.includes(password))).toHaveLength(1);
      const admin = await connectMqtt(url, { username: 'admin', password });
      await admin.endAsync();

      const node = await connectMqtt(url, { username: 'gpu-01', password: readFileSync(pwFile, 'utf8').trim() });
      const seq = Date.now();
      await node.publishAsync('kcloud/v1/lab/gpu-01/telemetry', telemetry('lab', 'gpu-01', seq, [{ metric: 'gpu_power_watts', labels: { gpu: '0' }, value: 88.5 }]), { qos: 1 });
      await node.endAsync();

      // status.json is rewritten every 2 s: wait for the counters of this batch.
      let status: { running: boolean; hub: { broker: { mode: string; ports: { mqtt: number } }; ingest: { messages: Record<string, number>; samples: number } }; nodes: { name: string; lastSeq: number }[] } | undefined;
      await waitFor(
        async () => {
          const r = await runHubCli(['status', '--config', config, '--format', 'json']);
          status = JSON.parse(r.stdout) as typeof status;
          return status!.hub.ingest.samples === 1;
        },
        30_000,
        'status with the stored batch',
      );
      expect(status!.running).toBe(true);
      expect(status!.hub.broker).toMatchObject({ mode: 'embedded', ports: { mqtt: port } });
      expect(status!.hub.ingest.messages.telemetry).toBe(1);
      expect(status!.nodes).toMatchObject([{ name: 'gpu-01', lastSeq: seq }]);
      const table = await runHubCli(['status', '--config', config]);
      expect(table.stdout).toMatch(/^hub: +running/m);
      expect(table.stdout).toMatch(/^gpu-01\s+lab\s+\S+\s+\S+\s+\d+/m);

      hub.kill('SIGTERM');
      await exited(hub);
      expect(hub.exitCode).toBe(0);
      expect(hub.logs.join('')).toContain('hub stopped');

      // Second start: nothing generated, the same password still works.
      hub = spawnHub(['run', '--config', config], { KCLOUD_ADMIN_PASSWORD: '' });
      const again = await connectWhenUp(url, { username: 'admin', password }, hub);
      await again.endAsync();
      expect(hub.logs.join('')).not.toContain('created user');
      expect(readFileSync(adminFile, 'utf8').trim()).toBe(password);
      hub.kill('SIGTERM');
      await exited(hub);
      const stopped = JSON.parse((await runHubCli(['status', '--config', config, '--format', 'json'])).stdout) as { running: boolean };
      expect(stopped.running).toBe(false);
    } finally {
      hub.kill('SIGKILL');
    }
  }, 120_000);

  it('has --help on every command and subcommand', async () => {
    const commands = [[], ['run'], ['node'], ['node', 'add'], ['node', 'list'], ['node', 'remove'], ['user'], ['user', 'add'], ['user', 'list'], ['user', 'passwd'], ['user', 'remove'], ['query'], ['status']];
    for (const cmd of commands) {
      const r = await runHubCli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toContain(`Usage: kcloud-hub${cmd.length ? ` ${cmd.join(' ')}` : ''}`);
    }
  }, 120_000);
});
