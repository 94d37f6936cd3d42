import type { HubBus } from '../../bus.js';
import type { HubConfig } from '../../config.js';
import type { HubDb } from '../../core/db.js';
import type { SecretStore } from '../../identity/secrets.js';
import type { Logger } from '../../../shared/log.js';
import { parseDuration } from '../../../shared/duration.js';
import type { KubernetesDirectory } from '../kubernetes/kube-directory.js';
import { azureOptions } from './azure/provider.js';
import { Clouds } from './clouds.js';
import { CloudCredentialStore } from './credential-store.js';
import { CloudCosts } from './costs.js';
import type { SeriesSource } from '../../../shared/query/types.js';
import type { RemoteReader } from '../../remote-read/remote-read.js';
import { CloudReconciler } from './reconciler.js';
import { CloudVmStore } from './vm-store.js';
import { vmProviders } from './vm-providers.js';

export interface CloudServices {
  credentials: CloudCredentialStore;
  vms: CloudVmStore;
  clouds: Clouds;
  reconciler: CloudReconciler;
  costs: CloudCosts;
}

/** The clouds area's parts, built once per API server; the caller starts and stops the reconciler with the server. */
export function cloudServices(deps: { db: HubDb; bus: HubBus; config: HubConfig; log: Logger; tsdb: SeriesSource; kubernetes?: KubernetesDirectory; remoteRead?: RemoteReader }, secrets: SecretStore): CloudServices {
  const { clouds: cfg } = deps.config;
  const log = deps.log.child({ part: 'clouds' });
  const credentials = new CloudCredentialStore(deps.db, secrets);
  const vms = new CloudVmStore(deps.db);
  const clouds = new Clouds({ credentials, vms, bus: deps.bus, log, providers: vmProviders(cfg) });
  const timeoutMs = parseDuration(cfg.timeout);
  const costs = new CloudCosts({
    credentials,
    vms,
    bus: deps.bus,
    source: deps.tsdb,
    remoteRead: deps.remoteRead ?? null,
    aws: cfg.aws,
    gcp: cfg.gcp,
    azure: azureOptions(cfg.azure, timeoutMs),
    cache: { ttlMs: parseDuration(cfg.costCache.ttl), maxEntries: cfg.costCache.maxEntries },
    timeoutMs,
    onprem: cfg.onprem,
    pods: deps.kubernetes?.currentPod ?? null,
  });
  return { credentials, vms, clouds, reconciler: new CloudReconciler(clouds, parseDuration(cfg.reconcileInterval), log), costs };
}
