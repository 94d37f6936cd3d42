import { readFileSync } from 'node:fs';
import type { CloudsConfig } from '../config.js';
import type { VmProviderFactory } from '../vm-providers.js';
import { AzureVirtualMachines, type AzureCredential } from './virtual-machines.js';

/**
 * The azure entry of the hub's VM providers: one client per credential and
 * VM location (none for `validate()`), with `clouds.azure`'s endpoints,
 * resource group and CA file (read once, here: a missing file stops the
 * hub at start, not at the first VM).
 */
export function azureVms(cfg: CloudsConfig['azure'], timeoutMs: number): VmProviderFactory {
  const ca = cfg.caFile ? readFileSync(cfg.caFile, 'utf8') : undefined;
  const opts = { endpoint: cfg.endpoint, authorityHost: cfg.authorityHost, resourceGroup: cfg.resourceGroup, timeoutMs, ...(ca ? { ca } : {}) };
  return (data, location) => new AzureVirtualMachines(data as AzureCredential, location ?? null, opts);
}
