import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inPackage, loadedAfter } from '../../../helpers/loaded-modules.js';

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
    const loaded = await loadedAfter(`await import('./hub/runtime.ts'); await import('./hub/api/server.ts'); await import('./hub/integrations/clouds/vm-providers.ts'); await import('./hub/integrations/clouds/costs.ts'); await import('./hub/integrations/clouds/service.ts');`);
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
