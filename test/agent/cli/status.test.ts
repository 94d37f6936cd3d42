import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentLiveness, registerStatusCommand, renderStatus } from '../../../agent/cli/status.js';
import type { AgentState } from '../../../agent/state-file.js';
import { runInProcess } from './run-in-process.js';

const NOW = Date.parse('2026-11-23T10:00:10Z');

/** What the running agent writes to <dataDir>/status.json. */
function state(over: Partial<AgentState> = {}): AgentState {
  return {
    pid: process.pid,
    startedAt: Date.parse('2026-11-23T09:00:00Z'),
    updatedAt: NOW - 2_000,
    node: 'gpu-01',
    cluster: 'lab',
    version: '0.1.0',
    broker: { url: 'mqtts://hub.example:8883', connected: false, lastConnectedAt: Date.parse('2026-11-23T09:58:00Z'), lastError: 'connect ECONNREFUSED 10.0.0.5:8883' },
    sources: {
      gpu: { enabled: true, reason: 'nvidia-smi found at /usr/bin/nvidia-smi', lastSampleTs: NOW - 1_000, errors: 0, lastError: null },
      ipmi: { enabled: true, reason: 'BMC 10.0.0.9 (lanplus)', lastSampleTs: NOW - 300_000, errors: 12, lastError: 'ipmitool timed out after 5000 ms' },
      rapl: { enabled: false, reason: 'no /sys/class/powercap/intel-rapl:* zones', lastSampleTs: null, errors: 0, lastError: null },
    },
    outbox: { depth: 42, bytes: 1_234_567, dropped: 3, oldestTs: Date.parse('2026-11-23T09:58:01Z') },
    ...over,
  };
}

/** A pid that surely has no process: one that just exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('agent liveness', () => {
  it.each([
    ['alive and fresh', state(), true, /^pid \d+, status updated 2 s ago$/],
    ['status older than 10 s', state({ updatedAt: NOW - 30_000 }), false, /status not updated for 30 s/],
    ['pid gone', state({ pid: deadPid() }), false, /pid \d+ is not running/],
  ])('%s', (_, s, running, why) => {
    const live = agentLiveness(s, NOW);
    expect(live.running).toBe(running);
    expect(live.why).toMatch(why);
  });
});

describe('kcloud-agent status output', () => {
  it('shows the agent, broker, outbox and every source with its last sample', () => {
    expect(renderStatus(state(), NOW, 'table', () => true)).toBe(
      [
        'agent:   running (pid ' + process.pid + ', status updated 2 s ago); node gpu-01, cluster lab, version 0.1.0, started 2026-11-23T09:00:00.000Z',
        'broker:  mqtts://hub.example:8883 disconnected, last connected 2026-11-23T09:58:00.000Z, last error: connect ECONNREFUSED 10.0.0.5:8883',
        'outbox:  42 batches (1234567 bytes) waiting, 3 dropped, oldest 2026-11-23T09:58:01.000Z',
        '',
        'SOURCE  ENABLED  LAST SAMPLE                        ERRORS  REASON / LAST ERROR',
        'gpu     yes      2026-11-23T10:00:09.000Z (1s ago)       0  nvidia-smi found at /usr/bin/nvidia-smi',
        'ipmi    yes      2026-11-23T09:55:10.000Z (5m ago)      12  ipmitool timed out after 5000 ms',
        'rapl    no       -                                       0  no /sys/class/powercap/intel-rapl:* zones',
        '',
      ].join('\n'),
    );
  });

  it('prints the state plus running and why as JSON', () => {
    const out = JSON.parse(renderStatus(state(), NOW, 'json', () => false)) as Record<string, unknown>;
    expect(out).toEqual({ running: false, why: `pid ${process.pid} is not running`, ...state() });
  });
});

describe('kcloud-agent status command', () => {
  function dataDirWith(s: AgentState | null): string {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-cli-status-'));
    writeFileSync(join(dir, 'agent.yaml'), `node: gpu-01\ndataDir: ${dir}\n`);
    if (s) writeFileSync(join(dir, 'status.json'), JSON.stringify(s));
    return join(dir, 'agent.yaml');
  }
  const status = (config: string, ...args: string[]) => runInProcess(registerStatusCommand, ['status', '--config', config, ...args]);

  it('says running and exits 0 when the pid lives and the file is fresh', async () => {
    const r = await status(dataDirWith(state({ updatedAt: Date.now() })));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^agent: {3}running \(pid \d+/);
    expect(r.stdout).toContain('outbox:  42 batches (1234567 bytes) waiting, 3 dropped');
  });

  it('says NOT running and exits 3 for a stale file or a dead pid', async () => {
    const stale = await status(dataDirWith(state({ updatedAt: Date.now() - 60_000 })), '--format', 'json');
    expect(stale.code).toBe(3);
    expect(JSON.parse(stale.stdout)).toMatchObject({ running: false, node: 'gpu-01', outbox: { depth: 42 } });
    const dead = await status(dataDirWith(state({ pid: deadPid(), updatedAt: Date.now() })));
    expect(dead.code).toBe(3);
    expect(dead.stdout).toMatch(/^agent: {3}NOT running \(pid \d+ is not running\)/);
  });

  it('exits 1 naming the data dir when the agent never ran, and 2 on a bad --format', async () => {
    const config = dataDirWith(null);
    const missing = await status(config);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no status file in ${config.replace(/\/agent\.yaml$/, '')}`);
    const bad = await status(dataDirWith(state()), '--format', 'csv');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --format "csv": use table, json/);
  });
});
