import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadHubConfig } from '../../../hub/config.js';
import { MAX_REMOTE_SERIES, remoteReadAuthorization, RemoteReader, remoteReaderFor } from '../../../hub/remote-read/remote-read.js';
import { rawBucket } from '../../../shared/query/bucket.js';
import { runQuery } from '../../../shared/query/engine.js';
import type { SeriesSource } from '../../../shared/query/types.js';
import { startTestHub } from '../../helpers/hub.js';

const HOUR = 3_600_000;
const MIN = 60_000;

function configFrom(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'kcloud-rr-')), 'hub.yaml');
  writeFileSync(file, yaml);
  return loadHubConfig(file, env);
}

const secrets = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

describe('storage.remoteRead configuration', () => {
  it('defaults to beyond-retention and a 10 s timeout, is absent (no reader) unless set, and can come from the environment', () => {
    const config = configFrom('storage:\n  remoteRead:\n    url: http://vm:8428\n');
    expect(config.storage.remoteRead).toEqual({ url: 'http://vm:8428', mode: 'beyond-retention', timeout: '10s' });
    expect(remoteReaderFor(configFrom('{}\n'), secrets({}))).toBeNull();
    const fromEnv = configFrom('{}\n', { KCLOUD_HUB_STORAGE_REMOTE_READ_URL: 'https://vm:8428', KCLOUD_HUB_STORAGE_REMOTE_READ_MODE: 'always' });
    expect(fromEnv.storage.remoteRead).toMatchObject({ url: 'https://vm:8428', mode: 'always' });
    expect(remoteReaderFor(fromEnv, secrets({}))?.config.mode).toBe('always');
  });

  it('refuses an unknown mode, a non-HTTP url and unknown keys, naming the key', () => {
    expect(() => configFrom('storage:\n  remoteRead:\n    url: http://vm:8428\n    mode: sometimes\n')).toThrow(/storage\.remoteRead\.mode/);
    expect(() => configFrom('storage:\n  remoteRead:\n    url: file:///etc/passwd\n')).toThrow(/storage\.remoteRead\.url/);
    expect(() => configFrom('storage:\n  remoteRead:\n    url: http://vm:8428\n    password: x\n')).toThrow(/storage\.remoteRead\.password/);
  });

  it('takes credentials from the secrets box by name, and says which key names a missing one', () => {
    const base = { url: 'http://vm', mode: 'always' as const, timeout: '1s' };
    expect(remoteReadAuthorization({ ...base, bearerTokenSecret: 'tok' }, secrets({ tok: 's3cret' }))).toBe('Bearer s3cret');
    expect(remoteReadAuthorization({ ...base, basicAuth: { username: 'u', passwordSecret: 'pw' } }, secrets({ pw: 'p' }))).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(remoteReadAuthorization(base, secrets({}))).toBeNull();
    expect(() => remoteReadAuthorization({ ...base, bearerTokenSecret: 'tok' }, secrets({}))).toThrow('storage.remoteRead.bearerTokenSecret: no secret named "tok" in hub.db');
    expect(() => remoteReadAuthorization({ ...base, basicAuth: { username: 'u', passwordSecret: 'pw' } }, secrets({}))).toThrow('storage.remoteRead.basicAuth.passwordSecret: no secret named "pw" in hub.db');
    // fetch() would refuse them quoting the url, password included, into the answers' warnings.
    expect(() => new RemoteReader({ ...base, url: 'http://kcloud:hunter2@vm:8428' }, null, { raw: 1, '1m': 1, '1h': 1 })).toThrow(/^storage\.remoteRead\.url: no credentials in the url; name a secret/);
    expect(() => new RemoteReader({ ...base, url: 'http://kcloud:hunter2@vm:8428' }, null, { raw: 1, '1m': 1, '1h': 1 })).not.toThrow(/hunter2/);
    expect(() => remoteReadAuthorization({ ...base, bearerTokenSecret: 'tok', basicAuth: { username: 'u', passwordSecret: 'pw' } }, secrets({ tok: 'a', pw: 'b' }))).toThrow(/exclude each other/);
  });
});

describe('a hub with storage.remoteRead', () => {
  it('does not start when the secret the config names is missing, and says which key names it', { timeout: 60_000 }, async () => {
    await expect(startTestHub({ storage: { remoteRead: { url: 'http://127.0.0.1:9/', bearerTokenSecret: 'vm-token' } } })).rejects.toThrow(
      'storage.remoteRead.bearerTokenSecret: no secret named "vm-token" in hub.db',
    );
  });
});

describe('RemoteReader with a remote store that misbehaves', () => {
  const now = 100 * HOUR;
  const retention = { raw: HOUR, '1m': HOUR, '1h': HOUR };
  const labels = { node: 'n', cluster: 'c' };
  const local: SeriesSource = {
    findSeries: (metric) => (metric === 'm' ? [{ id: 0, metric, labels }] : []),
    readBuckets: (_id, start, end) => [rawBucket(now - 30 * MIN, 5)].filter((b) => b.ts >= start && b.ts < end),
  };
  const range = { start: now - 3 * HOUR, end: now, step: MIN };
  const query = { metric: 'm', matchers: [], ...range, agg: 'avg' as const };
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = null;
  });
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers from the local store with a warning when the remote store does not answer in time; the warning names no credential', async () => {
    const url = await serve(() => {
      // never answers
    });
    const reader = new RemoteReader({ url, mode: 'beyond-retention', timeout: '300ms' }, 'Bearer tok-secret', retention, () => now);
    const plan = await reader.plan(local, [query], range);
    expect(plan.sources).toEqual(['local']);
    expect(plan.warning).toMatch(/^remote store not read \(no answer within 300 ms\): steps before /);
    expect(plan.warning).not.toMatch(/tok-secret|127\.0\.0\.1/);
    expect(runQuery(plan.source, query)).toEqual([{ metric: 'm', labels, points: [[now - 30 * MIN, 5]] }]);
  });

  it(`refuses an answer of more than ${MAX_REMOTE_SERIES} series (local part and a warning), and a body that is no Prometheus answer`, async () => {
    const many = Array.from({ length: MAX_REMOTE_SERIES + 1 }, (_, i) => ({ metric: { node: `n${i}`, cluster: 'c' }, values: [[(now - 2 * HOUR) / 1000, '1']] }));
    let answer = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: many } });
    const url = await serve((_req, res) => res.end(answer));
    const reader = new RemoteReader({ url, mode: 'always', timeout: '10s' }, null, retention, () => now);
    const plan = await reader.plan(local, [query], range);
    expect(plan.sources).toEqual(['local']);
    expect(plan.warning).toContain(`${MAX_REMOTE_SERIES + 1} series for m, at most ${MAX_REMOTE_SERIES}`);
    answer = '<html>proxy error</html>';
    const broken = await reader.plan(local, [query], range);
    expect(broken.sources).toEqual(['local']);
    expect(broken.warning).toMatch(/^remote store not read \(HTTP 200\): /);
  });

  it('asks nothing of the remote store for a range the local store keeps', async () => {
    let asked = 0;
    const url = await serve((_req, res) => {
      asked++;
      res.end('{}');
    });
    const reader = new RemoteReader({ url, mode: 'beyond-retention', timeout: '10s' }, null, retention, () => now);
    const plan = await reader.plan(local, [query], { start: now - 30 * MIN, end: now, step: MIN });
    expect(plan).toEqual({ source: local, sources: ['local'] });
    expect(asked).toBe(0);
  });
});
