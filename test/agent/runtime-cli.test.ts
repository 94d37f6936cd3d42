import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, type StatusMessage } from '../../shared/schema/message.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { runAgentCli, spawnAgent, waitFor, writeConfig } from '../helpers/spawn-agent.js';

describe('kcloud-agent run', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('exits 2 naming the key when the config is invalid', async () => {
    const config = writeConfig('mqtt:\n  replayRate: -5\n');
    const res = await runAgentCli(['run', '--config', config]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('config key "mqtt.replayRate"');

    const typo = await runAgentCli(['run', '--config', writeConfig('outbox:\n  maxByte: 1000\n')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('config key "outbox.maxByte": unknown key');
  }, 30_000);

  it('exits 2 on an unknown --log-level', async () => {
    const res = await runAgentCli(['run', '--log-level', 'loud', '--config', writeConfig('metrics: { listen: "" }\n')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--log-level must be one of trace, debug, info, warn, error');
  }, 30_000);

  it('runs until SIGTERM, then publishes offline and exits 0', async () => {
    const sub = mqtt.connect(broker.url);
    const statuses: StatusMessage[] = [];
    sub.on('message', (_t, payload) => {
      const m = decodeMessage('status', payload);
      if (m.ok) statuses.push(m.value);
    });
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await sub.subscribeAsync('kcloud/v1/lab/cli-a/status', { qos: 1 });
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-cli-')), 'data');
    const config = writeConfig(`node: cli-a
cluster: lab
dataDir: ${dataDir}
mqtt: { url: "${broker.url}" }
metrics: { listen: "" }
collectors: { gpu: { enabled: false }, dcgm: { enabled: false }, ipmi: { enabled: false }, rapl: { enabled: false }, host: { enabled: false } }
`);
    const agent = spawnAgent(['run', '--config', config]);
    const exit = new Promise<number | null>((r) => agent.once('exit', (code) => r(code)));
    try {
      await waitFor(() => statuses.at(-1)?.state === 'online', 20_000, 'online status');
    } finally {
      agent.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
    await waitFor(() => statuses.at(-1)?.state === 'offline', 5000, 'offline status');
    const lines = agent.logs.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['agent started', 'stopping', 'agent stopped']));
    await sub.endAsync();
  }, 30_000);
});
