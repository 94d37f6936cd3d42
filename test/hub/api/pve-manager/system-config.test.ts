import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kind, type TArray, type TObject, type TRecord, type TSchema, type TUnion } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubConfigSchema } from '../../../../hub/config.js';
import { maskSecrets, SECRET_MASK } from '../../../../shared/secret-mask.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { ADMIN_PASSWORD, exited, spawnHub, writeHubConfig } from '../../../helpers/hub.js';
import { freePort } from '../../../helpers/mosquitto.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

type Leaf = { path: string; value: string };

/**
 * A config with every key of the schema set, optional ones too: each
 * string its own canary (its path), a list one entry, a map (headers) one
 * entry named like a secret and one not. Numbers and booleans carry no
 * secret (the masking keeps them).
 */
function sample(schema: TSchema, path: string[], leaves: Leaf[]): unknown {
  switch (schema[Kind]) {
    case 'Object':
      return Object.fromEntries(Object.entries((schema as TObject).properties).map(([k, s]) => [k, sample(s, [...path, k], leaves)]));
    case 'Array':
      return [sample((schema as TArray).items, [...path, '0'], leaves)];
    case 'Record': {
      const value = Object.values((schema as TRecord).patternProperties)[0]!;
      return { Authorization: sample(value, [...path, 'Authorization'], leaves), 'X-Scope-OrgID': sample(value, [...path, 'X-Scope-OrgID'], leaves) };
    }
    case 'Union': {
      const members = (schema as TUnion).anyOf;
      return members.every((m) => m[Kind] === 'Literal') ? members[0]!.const : sample(members[0]!, path, leaves);
    }
    case 'String': {
      const leaf = { path: path.join('.'), value: `canary:${path.join('.')}` };
      leaves.push(leaf);
      return leaf.value;
    }
    case 'Integer':
    case 'Number':
      return 7;
    case 'Boolean':
      return true;
    default:
      throw new Error(`${path.join('.')}: a ${String(schema[Kind])} key; teach this walk about it`);
  }
}

/** Key names that could hold a credential: each string key whose path has one must be masked, or be listed below. */
const SUSPECT = /pass|pwd|secret|token|key|cred|cert|private|kubeconfig|auth|cookie|bearer|sign|salt|session/i;

/** Reviewed: string keys whose names look like a secret's but hold none (what each holds). */
const SHOWN = new Set([
  'broker.tls.cert', // path of a certificate (public)
  'broker.passwordFile', // path of the file with the password, not the password
  'http.tls.cert', // path of a certificate (public)
  'broker.authCacheTtl', // duration
  'broker.sessions.expiry', // duration
  'broker.sessionExpiry', // duration
  'storage.remoteWrite.0.tls.cert', // path of a client certificate (public)
  'storage.remoteWrite.0.basicAuth.username', // user name
  'storage.remoteRead.basicAuth.username', // user name
  'auth.accessTokenTtl', // duration
  'auth.clockTolerance', // duration
  'auth.session.ttl', // duration
  'auth.session.cookieName', // the cookie's name
  'auth.loginThrottle.window', // duration
  'auth.loginThrottle.delay', // duration
  'auth.loginThrottle.maxDelay', // duration
  'auth.rateLimit.window', // duration
  'clusters.0.passwordFile', // path
  'clusters.0.bearerTokenFile', // path
  'clouds.azure.authorityHost', // Azure AD's address
  'clouds.gcp.tokenUrl', // OAuth token endpoint (URL credentials are masked by value)
  'pveManager.vault.tokenFile', // path of the file with the Vault token
  'pveManager.monitoring.grafana.tokenFile', // path of the file with the Grafana token
]);

describe('GET /api/system/config masks every secret of the config schema', () => {
  const leaves: Leaf[] = [];
  const config = sample(HubConfigSchema, [], leaves) as Record<string, unknown>;
  const masked: string[] = [];
  const text = JSON.stringify(maskSecrets(config, (p) => masked.push(p)));

  it('the walk reached the nested keys (lists, maps, optional keys)', () => {
    const paths = leaves.map((l) => l.path);
    for (const p of ['storage.remoteWrite.0.basicAuth.passwordSecret', 'storage.remoteWrite.0.headers.Authorization', 'kubernetes.clusters.0.kubeconfig', 'clusters.0.url', 'broker.tls.key']) expect(paths).toContain(p);
  });

  it('every string key named like a secret is masked unless reviewed as holding none; every other key is shown as it is', () => {
    const leaks = leaves.filter((l) => l.path.split('.').some((seg) => SUSPECT.test(seg)) && !SHOWN.has(l.path) && text.includes(JSON.stringify(l.value)));
    expect(leaks.map((l) => l.path), 'name each in SHOWN with what it holds, or mask it (shared/secret-mask.ts)').toEqual([]);
    const hidden = leaves.filter((l) => !l.path.split('.').some((seg) => SUSPECT.test(seg)) && !text.includes(JSON.stringify(l.value)));
    expect(hidden.map((l) => l.path)).toEqual([]);
    for (const p of SHOWN) expect(text, p).toContain(JSON.stringify(`canary:${p}`));
    expect(masked.length).toBeGreaterThan(0);
  });
});

describe('server manager: GET /api/system/config (real hub)', () => {
  let hub: ApiHub;
  const secrets = ['rw-url-pw-5d1e', 'x-api-key-0c4b', 'prom-url-pw-2b68'];
  beforeAll(async () => {
    hub = await startApiHub({
      storage: {
        remoteWrite: [
          {
            url: 'http://writer:rw-url-pw-5d1e@127.0.0.1:9/api/v1/write',
            headers: { 'X-Api-Key': 'x-api-key-0c4b', 'X-Scope-OrgID': 'team-a' },
          },
        ],
      },
      clusters: [{ name: 'prod', url: 'http://prom:prom-url-pw-2b68@127.0.0.1:9' }],
      pveManager: { bridge: 'vmbr3' },
    });
    await hub.addUser('ulf', 'user');
  });
  afterAll(() => hub.close());

  it('answers the effective config with every secret masked and names what it masked', async () => {
    const res = await hub.request('/api/system/config');
    const text = await res.text();
    expect(res.status).toBe(200);
    for (const s of secrets) expect(text).not.toContain(s);
    const { config, masked } = JSON.parse(text) as { config: Record<string, any>; masked: string[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(config.storage.remoteWrite[0]).toMatchObject({
      url: `http://${SECRET_MASK}@127.0.0.1:9/api/v1/write`,
      headers: { 'X-Api-Key': SECRET_MASK, 'X-Scope-OrgID': 'team-a' },
    });
    expect(config.clusters[0]).toMatchObject({ name: 'prod', url: `http://${SECRET_MASK}@127.0.0.1:9` });
    expect(masked).toEqual(['storage.remoteWrite.0.headers.X-Api-Key']);
    // The rest as loaded: YAML values, defaults.
    expect(config.pveManager.bridge).toBe('vmbr3');
    expect(config.dataDir).toBe(hub.dataDir);
    expect(config.log.ring).toEqual({ maxLines: 2000, maxBytes: 1024 * 1024 });
  });

  it('admins only: a user gets 403 in the seed\'s error body, anonymous 401', async () => {
    const res = await hub.request('/api/system/config', { user: ['ulf', 'ulf-password'] });
    expect([res.status, await res.json()]).toEqual([403, { error: { code: 'FORBIDDEN', message: expect.stringContaining('system:manage'), details: {} } }]);
    expect((await hub.request('/api/system/config', { user: null })).status).toBe(401);
  });
});

describe('kcloud-hub run: environment overrides and the log ring (child process)', () => {
  it('GET /api/system/config shows KCLOUD_HUB_* overrides, credentials masked; GET /api/system/logs has the lines stderr got', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-hub-sysconf-'));
    const httpPort = await freePort();
    const config = writeHubConfig(`dataDir: ${join(dir, 'data')}\nbroker:\n  host: 127.0.0.1\n  port: ${await freePort()}\npveManager:\n  bridge: vmbr0\n`, dir);
    const hub = spawnHub(['run', '--config', config], {
      KCLOUD_HUB_HTTP_PORT: String(httpPort),
      KCLOUD_HUB_PVE_MANAGER_BRIDGE: 'vmbr9',
      KCLOUD_HUB_LOG_RING_MAX_LINES: '321',
      // The embedded broker does not use broker.url: only its credentials matter here.
      KCLOUD_HUB_BROKER_URL: 'mqtt://hubuser:env-pw-61c2@127.0.0.1:1883',
    });
    try {
      await waitFor(() => hub.logs.join('').includes('hub started') || hub.exitCode !== null, 60_000, 'hub started');
      const auth = { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` };
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/system/config`, { headers: auth });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expect(text).not.toContain('env-pw-61c2');
      const { config: effective } = JSON.parse(text) as { config: { pveManager: { bridge: string }; log: { ring: { maxLines: number } }; broker: { url: string } } };
      expect(effective.pveManager.bridge).toBe('vmbr9');
      expect(effective.log.ring.maxLines).toBe(321);
      expect(effective.broker.url).toBe(`mqtt://${SECRET_MASK}@127.0.0.1:1883`);

      const logs = (await (await fetch(`http://127.0.0.1:${httpPort}/api/system/logs?limit=500`, { headers: auth })).json()) as { logs: { message: string; source: string }[] };
      expect(logs.logs.find((l) => l.message === 'hub started')).toMatchObject({ source: 'kcloud-hub' });
      // stderr still gets every line as JSON.
      const started = hub.logs.join('').split('\n').find((l) => l.includes('"msg":"hub started"'));
      expect(JSON.parse(started!)).toMatchObject({ name: 'kcloud-hub', level: 30 });
    } finally {
      hub.kill('SIGTERM');
      await exited(hub);
    }
  });
});
