import { parseDuration } from '../../../shared/duration.js';
import { AwsEc2 } from './aws/ec2.js';
import { azureVms } from './azure/provider.js';
import type { CloudsConfig } from './config.js';
import type { AwsCredential, GcpCredential } from './credential-data.js';
import { GceInstances } from './gcp/instances.js';
import type { CloudProvider } from './provider-error.js';
import type { VmProviderClient } from './vm-provider.js';

/**
 * A client for one credential's `data` and one VM's region (GCP: its zone);
 * without a region, the credential's own default, enough for `validate()`.
 */
export type VmProviderFactory = (data: unknown, region?: string) => VmProviderClient;
export type VmProviderFactories = Partial<Record<CloudProvider, VmProviderFactory>>;

/** The providers whose VMs the hub manages, with the configured endpoints: adding a provider is one entry here. */
export function vmProviders(cfg: CloudsConfig): VmProviderFactories {
  const timeoutMs = parseDuration(cfg.timeout);
  return {
    aws: (data, region) => {
      const c = data as AwsCredential;
      return new AwsEc2(c, region ?? c.region, { endpoint: cfg.aws.endpoint, workspaceTag: cfg.aws.workspaceTag, timeoutMs });
    },
    gcp: (data, zone) => new GceInstances(data as GcpCredential, zone ?? null, { endpoint: cfg.gcp.endpoint, tokenUrl: cfg.gcp.tokenUrl, timeoutMs }),
    azure: azureVms(cfg.azure, timeoutMs),
  };
}
