import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../../helpers/cli.js';

/** The CommonJS files a fresh Node process has loaded after running `script` (ESM imports of CommonJS packages land in require.cache too). */
async function loadedAfter(script: string): Promise<string[]> {
  const probe = `${script}\nconst { createRequire } = await import('node:module');\nconsole.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as string[];
}

const inPackage = (pkg: string) => (file: string) => file.includes(join('node_modules', pkg, ''));

/** hub/integrations/clouds/gcp/instances.ts: the SDK made every HTTP request of the hub ~3x as costly, so it loads on a GCP account's first call. */
describe('loading the GCP SDK', () => {
  it('the hub and its cloud providers load without @google-cloud/compute', async () => {
    const loaded = await loadedAfter(`await import('./hub/runtime.ts'); await import('./hub/integrations/clouds/vm-providers.ts');`);
    // The probe sees the CommonJS packages the hub loads.
    expect(loaded.some(inPackage('fastify'))).toBe(true);
    expect(loaded.filter(inPackage(join('@google-cloud', 'compute')))).toEqual([]);
  });

  it('a GCE call loads it', async () => {
    const loaded = await loadedAfter(`
      const { serviceAccount } = await import('./test/hub/integrations/clouds/gce.ts');
      const { GceInstances } = await import('./hub/integrations/clouds/gcp/instances.ts');
      const gce = new GceInstances({ service_account_json: serviceAccount().keyFile, project: 'kcloud-test-1' }, 'us-central1-a', { endpoint: 'http://127.0.0.1:9', tokenUrl: 'http://127.0.0.1:9/token', timeoutMs: 2000 });
      const refusal = await gce.validate().then(() => 'none', (err) => err.constructor.name);
      if (refusal !== 'CloudProviderError') throw new Error('expected a CloudProviderError, got ' + refusal);
      gce.close();
    `);
    expect(loaded.some(inPackage(join('@google-cloud', 'compute')))).toBe(true);
  });
});
