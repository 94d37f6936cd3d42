import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../../helpers/cli.js';

/**
 * The files a fresh Node process has loaded after running `script`: the
 * CommonJS ones from require.cache (ESM imports of CommonJS packages land
 * there too) and every ES module, written down by a resolve hook (the Azure
 * SDKs are ES modules, which require.cache never sees).
 */
async function loadedAfter(script: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-sdk-loading-'));
  const log = join(dir, 'resolved.txt');
  writeFileSync(log, '');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const r = await next(specifier, context);\n  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n  return r;\n}\n`);
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const probe = `${script}\nconst { createRequire } = await import('node:module');\nconsole.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', register, '--import', 'tsx', '--input-type=module', '-e', probe], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  const esm = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url));
  return [...(JSON.parse(stdout.trim().split('\n').at(-1)!) as string[]), ...esm];
}

const inPackage = (pkg: string) => (file: string) => file.includes(join('node_modules', pkg, ''));

/**
 * The cloud SDKs load on an account's first call, not with the hub: the GCP
 * SDK made every HTTP request of the hub ~3x as costly
 * (hub/integrations/clouds/gcp/instances.ts); the AWS and Azure ones are tens
 * of MB of heap and RSS a hub without such accounts would carry
 * (aws/ec2.ts, azure/virtual-machines.ts).
 */
const SDKS = [join('@google-cloud', 'compute'), join('@aws-sdk', 'client-ec2'), join('@aws-sdk', 'client-sts'), join('@aws-sdk', 'client-cost-explorer'), join('@azure', 'arm-compute'), join('@azure', 'arm-network'), join('@azure', 'identity')];

describe('loading the cloud SDKs', () => {
  it('the hub and its cloud providers load without any of them', async () => {
    const loaded = await loadedAfter(`await import('./hub/runtime.ts'); await import('./hub/integrations/clouds/vm-providers.ts'); await import('./hub/integrations/clouds/costs.ts'); await import('./hub/integrations/clouds/service.ts');`);
    // The probe sees the CommonJS packages the hub loads.
    expect(loaded.some(inPackage('fastify'))).toBe(true);
    expect(SDKS.filter((sdk) => loaded.some(inPackage(sdk)))).toEqual([]);
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
