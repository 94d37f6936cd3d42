import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHubConfig } from '../../../../hub/config.js';
import { ConfigError } from '../../../../shared/config/load.js';

/** The `clouds:` keys of docs/hub.md and docs/clouds.md, read by the hub's own loader (YAML, then KCLOUD_HUB_* env overrides). */
describe('clouds configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-clouds-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults: every provider at its public endpoint, the reconciler every 10 s, a 30 s call limit, 1 h cost cache', () => {
    const { clouds } = loadHubConfig(undefined, {});
    expect(clouds).toMatchObject({
      reconcileInterval: '10s',
      timeout: '30s',
      aws: { endpoint: '', workspaceTag: '' },
      gcp: { endpoint: '', tokenUrl: '', prices: {}, currency: 'USD' },
      azure: { endpoint: '', authorityHost: '', resourceGroup: 'kcloud', caFile: '' },
      costCache: { ttl: '1h', maxEntries: 1000 },
      onprem: { electricityPrice: 0, gpuHourCost: 0, currency: 'USD' },
    });
  });

  it('takes the endpoints and the reconcile interval from YAML, and the environment over YAML', () => {
    const file = join(dir, 'hub.yaml');
    writeFileSync(
      file,
      [
        'clouds:',
        '  reconcileInterval: 30s',
        '  aws:',
        '    endpoint: http://127.0.0.1:5000',
        '  gcp:',
        '    endpoint: http://127.0.0.1:8089',
        '    tokenUrl: http://127.0.0.1:8089/token',
        '  azure:',
        '    endpoint: https://management.azure.example',
        '    authorityHost: https://login.azure.example',
        '',
      ].join('\n'),
    );
    const fromYaml = loadHubConfig(file, {}).clouds;
    expect(fromYaml).toMatchObject({
      reconcileInterval: '30s',
      aws: { endpoint: 'http://127.0.0.1:5000' },
      gcp: { endpoint: 'http://127.0.0.1:8089', tokenUrl: 'http://127.0.0.1:8089/token' },
      azure: { endpoint: 'https://management.azure.example', authorityHost: 'https://login.azure.example' },
    });
    const fromEnv = loadHubConfig(file, {
      KCLOUD_HUB_CLOUDS_RECONCILE_INTERVAL: '5s',
      KCLOUD_HUB_CLOUDS_AWS_ENDPOINT: 'http://127.0.0.1:5001',
      KCLOUD_HUB_CLOUDS_AZURE_ENDPOINT: 'https://arm.private.example',
      KCLOUD_HUB_CLOUDS_AZURE_AUTHORITY_HOST: 'https://aad.private.example',
    }).clouds;
    expect(fromEnv).toMatchObject({
      reconcileInterval: '5s',
      aws: { endpoint: 'http://127.0.0.1:5001' },
      gcp: { endpoint: 'http://127.0.0.1:8089' },
      azure: { endpoint: 'https://arm.private.example', authorityHost: 'https://aad.private.example' },
    });
  });

  it('refuses a bad value naming the key, and starts nothing with it', () => {
    for (const [key, env] of [
      ['clouds.reconcileInterval', { KCLOUD_HUB_CLOUDS_RECONCILE_INTERVAL: 'often' }],
      ['clouds.aws.endpoint', { KCLOUD_HUB_CLOUDS_AWS_ENDPOINT: 'ftp://127.0.0.1' }],
      ['clouds.aws.endpoint', { KCLOUD_HUB_CLOUDS_AWS_ENDPOINT: 'http://a b' }],
      ['clouds.azure.authorityHost', { KCLOUD_HUB_CLOUDS_AZURE_AUTHORITY_HOST: 'http://login.example' }],
      ['clouds.gcp.tokenUrl', { KCLOUD_HUB_CLOUDS_GCP_TOKEN_URL: 'file:///etc/passwd' }],
      ['clouds.costCache.maxEntries', { KCLOUD_HUB_CLOUDS_COST_CACHE_MAX_ENTRIES: '0' }],
    ] as const) {
      expect(() => loadHubConfig(undefined, env), key).toThrow(ConfigError);
      expect(() => loadHubConfig(undefined, env), key).toThrow(key);
    }
  });
});
