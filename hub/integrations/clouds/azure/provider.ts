import { readFileSync } from 'node:fs';
import type { CloudsConfig } from '../config.js';
import type { VmProviderFactory } from '../vm-providers.js';
import { AzureVirtualMachines, type AzureCredential, type AzureOptions } from './virtual-machines.js';

/** `clouds.azure` as the Azure clients take it, with the CA file's text (read here, so a missing file stops the hub at start). */
export function azureOptions(cfg: CloudsConfig['azure'], timeoutMs: number): AzureOptions {
  const ca = cfg.caFile ? readFileSync(cfg.caFile, 'utf8') : undefined;
  return { endpoint: cfg.endpoint, authorityHost: cfg.authorityHost, resourceGroup: cfg.resourceGroup, timeoutMs, ...(ca ? { ca } : {}) };
}

/**
 * The azure entry of the hub's VM providers: one client per credential and
 * VM location (none for `validate()`), with `clouds.azure`'s endpoints,
 * resource group and CA file (read once, here: a missing file stops the
 * hub at start, not at the first VM).
 */
export function azureVms(cfg: CloudsConfig['azure'], timeoutMs: number): VmProviderFactory {
  const opts = azureOptions(cfg, timeoutMs);
  return (data, location) => new AzureVirtualMachines(data as AzureCredential, location ?? null, opts);
}
