import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../../hub/identity/api-keys.js';
import { UserStore } from '../../../hub/identity/users.js';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { runHubCli } from '../../helpers/hub.js';

const MIN = 60_000;

// Each case runs the CLI from source (tsx) several times: slow on a loaded machine, hence the long timeouts.
describe('kcloud-hub query: local store file and --server through the hub API, on the same data', { timeout: 180_000 }, () => {
  let hub: ApiHub;
  let viewer: [string, string];
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-query-cli-'));
  const passwordFile = join(dir, 'password');
  const keyFile = join(dir, 'api-key');
  // Two nodes, two GPUs each, five minutes of samples ending a minute ago (whole minutes, so the range is fixed).
  const end = Math.floor(Date.now() / MIN) * MIN;
  const start = end - 5 * MIN;
  let range: string[];

  beforeAll(async () => {
    hub = await startApiHub();
    viewer = await hub.addUser('reader', 'viewer');
    writeFileSync(passwordFile, `${viewer[1]}\n`, { mode: 0o600 });
    const user = new UserStore(hub.db).byName('reader')!;
    writeFileSync(keyFile, `${new ApiKeyStore(hub.db).create(user.id, 'cli', null, null).key}\n`, { mode: 0o600 });
    for (const name of ['gpu-01', 'gpu-02']) {
      const node = await hub.addNode(name, 'lab');
      const samples = [];
      for (let ts = start; ts < end; ts += 20_000) {
        const minute = Math.floor((ts - start) / MIN);
        for (const gpu of [0, 1]) samples.push({ metric: 'gpu_power_watts', labels: { gpu: String(gpu) }, value: 100 * gpu + 10 * minute + (ts % MIN) / 20_000 + (name === 'gpu-02' ? 0.5 : 0), ts });
      }
      await hub.publishTelemetry(node, samples);
    }
    range = ['--start', String(start), '--end', String(end), '--step', '1m'];
  }, 180_000);
  afterAll(() => hub?.close());

  const local = (...args: string[]) => runHubCli(['query', ...args, ...range, '--config', hub.configFile]);
  const remote = (args: string[], env: NodeJS.ProcessEnv = {}) => runHubCli(['query', ...args, ...range, '--server', hub.api, ...(env.KCLOUD_PASSWORD ? ['--user', 'reader'] : [])], env);

  it.each(['json', 'csv', 'table'])('--format %s: --server prints exactly what the local read prints', async (format) => {
    const mine = await local('gpu_power_watts{gpu="1"}', '--format', format);
    expect(mine.stderr).toBe('');
    expect(mine.code).toBe(0);
    const theirs = await runHubCli(['query', 'gpu_power_watts{gpu="1"}', ...range, '--format', format, '--server', hub.api, '--user', 'reader', '--password-file', passwordFile]);
    expect(theirs.stderr).toBe('');
    expect(theirs.code).toBe(0);
    expect(theirs.stdout).toBe(mine.stdout);
    if (format === 'json') {
      const out = JSON.parse(mine.stdout) as { start: number; end: number; series: { labels: Record<string, string>; points: [number, number][] }[] };
      expect(out).toMatchObject({ start, end });
      expect(out.series.map((s) => s.labels.node)).toEqual(['gpu-01', 'gpu-02']);
      // Minute m of GPU 1 on gpu-01 averages 100 + 10m + (0, 1, 2).
      expect(out.series[0]!.points).toEqual([0, 1, 2, 3, 4].map((m) => [start + m * MIN, 100 + 10 * m + 1]));
    }
  });

  it('passes --node, --label, --agg and --group-by to the hub with the same meaning', async () => {
    const args = ['gpu_power_watts', '--cluster', 'lab', '--label', 'gpu!=0', '--agg', 'max', '--group-by', 'cluster', '--format', 'csv'];
    const mine = await local(...args);
    expect(mine.code).toBe(0);
    const theirs = await remote(args, { KCLOUD_PASSWORD: viewer[1] });
    expect(theirs.stderr).toBe('');
    expect(theirs.stdout).toBe(mine.stdout);
    expect(mine.stdout.trim().split('\n')).toEqual(['ts,metric,cluster,value', ...[0, 1, 2, 3, 4].map((m) => `${start + m * MIN},gpu_power_watts,lab,${100 + 10 * m + 2.5}`)]);
    const node = await remote(['gpu_power_watts', '--node', 'gpu-02', '--label', 'gpu=0', '--format', 'csv'], { KCLOUD_PASSWORD: viewer[1] });
    expect(node.stdout).toBe((await local('gpu_power_watts', '--node', 'gpu-02', '--label', 'gpu=0', '--format', 'csv')).stdout);
    expect(node.stdout).toContain(`${start},gpu_power_watts,lab,0,gpu-02,1.5`);
  });

  it('--align end stamps each step with its end, locally and through --server alike, and --sum-by adds the GPUs per node', async () => {
    const args = ['gpu_power_watts', '--node', 'gpu-01', '--sum-by', 'node', '--format', 'csv'];
    const byStart = await local(...args);
    const byEnd = await local(...args, '--align', 'end');
    expect(byEnd.code).toBe(0);
    // Minute m of gpu-01: GPU 0 averages 10m + 1, GPU 1 100 + 10m + 1.
    expect(byStart.stdout.trim().split('\n')).toEqual(['ts,metric,node,value', ...[0, 1, 2, 3, 4].map((m) => `${start + m * MIN},gpu_power_watts,gpu-01,${102 + 20 * m}`)]);
    expect(byEnd.stdout.trim().split('\n')).toEqual(['ts,metric,node,value', ...[0, 1, 2, 3, 4].map((m) => `${start + (m + 1) * MIN},gpu_power_watts,gpu-01,${102 + 20 * m}`)]);
    const theirs = await remote([...args, '--align', 'end'], { KCLOUD_PASSWORD: viewer[1] });
    expect(theirs.stderr).toBe('');
    expect(theirs.stdout).toBe(byEnd.stdout);
    const bad = await local('gpu_power_watts', '--align', 'middle');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid --align "middle"');
  });

  it('authenticates with an API key file', async () => {
    const r = await runHubCli(['query', 'gpu_power_watts', ...range, '--format', 'json', '--server', hub.api, '--api-key-file', keyFile]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).series).toHaveLength(4);
  });

  it('exits 1 with the hub\'s message when it refuses the credentials, without echoing the password', async () => {
    const anonymous = await remote(['gpu_power_watts']);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/answered 401/);
    const wrong = await runHubCli(['query', 'gpu_power_watts', ...range, '--server', hub.api, '--user', 'reader'], { KCLOUD_PASSWORD: 'not-the-Password-7' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/answered 401/);
    expect(wrong.stderr).not.toContain('not-the-Password-7');
  });

  it('GET /api/v1/monitoring/query answers 400 naming the parameter for a bad selector, too fine a step, an unknown aggregation or an oversized selector', async () => {
    const ask = async (params: Record<string, string>) => {
      const res = await hub.request(`/api/v1/monitoring/query?${new URLSearchParams(params)}`);
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string; details: { parameter?: string } } } };
    };
    const bad = await ask({ selector: 'gpu_power_watts{gpu=~"("}' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_PARAMETER', details: { parameter: 'selector' } });
    const fine = await ask({ selector: 'gpu_power_watts', since: '1d', step: '5s' });
    expect(fine.status).toBe(400);
    expect(fine.body.error).toMatchObject({ code: 'INVALID_PARAMETER', details: { parameter: 'step' } });
    const agg = await ask({ selector: 'gpu_power_watts', agg: 'median' });
    expect(agg.status).toBe(400);
    expect(agg.body.error.message).toMatch(/agg/);
    const huge = await ask({ selector: `gpu_power_watts{gpu="${'9'.repeat(3000)}"}` });
    expect(huge.status).toBe(400);
  });

  it('refuses a password without --user, and --user without a password, before any request', async () => {
    const noUser = await runHubCli(['query', 'gpu_power_watts', '--server', hub.api, '--password-file', passwordFile]);
    expect(noUser).toMatchObject({ code: 2, stderr: expect.stringContaining('--password-file needs --user') });
    const noPassword = await runHubCli(['query', 'gpu_power_watts', '--server', hub.api, '--user', 'reader'], { KCLOUD_PASSWORD: '' });
    expect(noPassword).toMatchObject({ code: 2, stderr: expect.stringContaining('--user needs --password-file or $KCLOUD_PASSWORD') });
    const badUrl = await runHubCli(['query', 'gpu_power_watts', '--server', 'ftp://hub']);
    expect(badUrl).toMatchObject({ code: 2, stderr: expect.stringContaining('invalid --server') });
  });
});
