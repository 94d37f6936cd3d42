import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { CloudsConfigSchema } from '../../../../hub/integrations/clouds/config.js';
import { imageReference, imageUrn, parseResourceId, vmName } from '../../../../hub/integrations/clouds/azure/names.js';
import { statusOf } from '../../../../hub/integrations/clouds/azure/virtual-machines.js';
import { CloudProviderError } from '../../../../hub/integrations/clouds/provider-error.js';

const view = (provisioningState: string, ...codes: string[]) => ({ provisioningState, instanceView: { statuses: codes.map((code) => ({ code })) } });

describe('Azure VM states in the hub words', () => {
  it.each([
    [view('Creating', 'ProvisioningState/creating'), 'pending'],
    [view('Updating', 'ProvisioningState/updating'), 'pending'],
    [view('Succeeded', 'ProvisioningState/succeeded', 'PowerState/starting'), 'pending'],
    [view('Succeeded', 'ProvisioningState/succeeded', 'PowerState/running'), 'running'],
    [view('Succeeded', 'ProvisioningState/succeeded', 'PowerState/stopping'), 'stopping'],
    [view('Succeeded', 'ProvisioningState/succeeded', 'PowerState/deallocating'), 'stopping'],
    [view('Succeeded', 'ProvisioningState/succeeded', 'PowerState/stopped'), 'stopped'],
    [view('Succeeded', 'ProvisioningState/succeeded', 'PowerState/deallocated'), 'stopped'],
    [view('Deleting', 'ProvisioningState/deleting', 'PowerState/running'), 'terminating'],
  ])('%j is %s', (vm, status) => {
    expect(statusOf(vm)).toEqual({ status, reason: null });
  });

  it("a failed provisioning is failed with the instance view's code and message", () => {
    const vm = { provisioningState: 'Failed', instanceView: { statuses: [{ code: 'ProvisioningState/failed/OSProvisioningTimedOut', message: 'OS Provisioning did not finish in the allotted time.' }, { code: 'PowerState/running' }] } };
    expect(statusOf(vm)).toEqual({ status: 'failed', reason: 'OSProvisioningTimedOut: OS Provisioning did not finish in the allotted time.' });
  });
});

describe('Azure names', () => {
  it('a VM name is made from the client token alone, within Azure name rules', () => {
    expect(vmName('0F9b6c1e-3a57-4c0e-9a0e-6f0b1d2c3e4f')).toBe('kcloud-0f9b6c1e-3a57-4c0e-9a0e-6f0b1d2c3e4f');
    for (const token of ['x'.repeat(100) + '/..', 'A/B.C_D', 'y'.repeat(56) + '/..zz']) {
      const name = vmName(token);
      expect(name).toMatch(/^kcloud-[a-z0-9-]{0,57}$/);
      expect(name).not.toMatch(/-$/);
      expect(vmName(token)).toBe(name);
    }
    expect(vmName('A/B.C_D')).toBe('kcloud-a-b-c-d');
  });

  it('an image URN is publisher:offer:sku:version; anything else is refused naming the form', () => {
    expect(imageReference('MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:20348.2527.240605')).toEqual({ publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-azure-edition', version: '20348.2527.240605' });
    for (const bad of ['ami-0abc', 'a:b:c', 'a:b:c:d:e', 'a::c:d', 'a:b:c:$(id)', '']) {
      expect(() => imageReference(bad)).toThrow(CloudProviderError);
      expect(() => imageReference(bad)).toThrow(/publisher:offer:sku:version/);
    }
  });

  it("a VM's reported image is its URN (imageReference read back), a custom image its resource id, else null", () => {
    const urn = 'Canonical:ubuntu-24_04-lts:server:latest';
    expect(imageUrn(imageReference(urn))).toBe(urn);
    const gallery = '/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/gpu/versions/1.0.0';
    expect(imageUrn({ id: gallery })).toBe(gallery);
    expect(imageUrn({ publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server' })).toBeNull();
    expect(imageUrn(undefined)).toBeNull();
  });

  it('resource ids parse case-insensitively by type; another type or shape is null', () => {
    const id = '/subscriptions/s-1/resourceGroups/RG.1/providers/Microsoft.Compute/virtualMachines/vm-1';
    expect(parseResourceId(id, 'microsoft.compute/VIRTUALMACHINES')).toEqual({ subscriptionId: 's-1', resourceGroup: 'RG.1', name: 'vm-1' });
    expect(parseResourceId(id, 'Microsoft.Network/networkInterfaces')).toBeNull();
    expect(parseResourceId(`${id}/extensions/x`, 'Microsoft.Compute/virtualMachines')).toBeNull();
    expect(parseResourceId('vm-1', 'Microsoft.Compute/virtualMachines')).toBeNull();
  });
});

describe('clouds.azure config', () => {
  const azure = (a: Record<string, unknown>) => Value.Check(CloudsConfigSchema, Value.Default(CloudsConfigSchema, { azure: a }));

  it('defaults: Azure public cloud, resource group kcloud, the system CAs', () => {
    const cfg = Value.Default(CloudsConfigSchema, {}) as { azure: unknown };
    expect(cfg.azure).toEqual({ endpoint: '', authorityHost: '', resourceGroup: 'kcloud', caFile: '' });
  });

  it('endpoints are https only (the SDK sends tokens over https only); resource group names follow Azure rules', () => {
    expect(azure({ endpoint: 'https://management.example.net', authorityHost: 'https://login.example.net' })).toBe(true);
    expect(azure({ endpoint: 'http://127.0.0.1:8080' })).toBe(false);
    expect(azure({ authorityHost: 'http://127.0.0.1:8080' })).toBe(false);
    expect(azure({ resourceGroup: 'gpu-fleet_(prod).1' })).toBe(true);
    expect(azure({ resourceGroup: 'ends-with-dot.' })).toBe(false);
    expect(azure({ resourceGroup: 'x'.repeat(91) })).toBe(false);
    expect(azure({ resourceGroup: 'a/b' })).toBe(false);
  });
});
