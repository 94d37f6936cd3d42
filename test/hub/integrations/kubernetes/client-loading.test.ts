import { describe, expect, it } from 'vitest';
import { inPackage, loadedAfter } from '../../../helpers/loaded-modules.js';

/**
 * `@kubernetes/client-node` is ~27 MB of heap and ~60 MB of RSS: the hub
 * (hub/runtime.ts) and the ECP area (hub/api/ecp/index.ts) import the
 * modules that use it only when `kubernetes.clusters` names a cluster.
 */
describe('loading the Kubernetes client', () => {
  it('the hub and its ECP area load without it', async () => {
    const loaded = await loadedAfter(`await import('./hub/runtime.ts'); await import('./hub/api/server.ts'); await import('./hub/api/ecp/index.ts');`);
    // The probe sees the packages the hub loads.
    expect(loaded.some(inPackage('fastify'))).toBe(true);
    expect(loaded.filter(inPackage('@kubernetes/client-node'))).toEqual([]);
  });

  it('the cluster modules load it', async () => {
    const loaded = await loadedAfter(`await import('./hub/integrations/kubernetes/kube-cluster.ts');`);
    expect(loaded.some(inPackage('@kubernetes/client-node'))).toBe(true);
  });
});
