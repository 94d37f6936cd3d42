import { describe, expect, it } from 'vitest';
import { Inventory } from '../../agent/inventory.js';

describe('Inventory (the merged facts the runtime publishes retained)', () => {
  it('merges each collector section and reports a change only when the merged facts change', () => {
    const inv = new Inventory();
    expect(inv.set('host', { host: { hostname: 'gpu-07', cpus: 64 } })).toBe(true);
    expect(inv.set('rapl', { rapl: [{ zone: 'package-0', domain: 'package' }] })).toBe(true);
    expect(inv.merged()).toEqual({ host: { hostname: 'gpu-07', cpus: 64 }, rapl: [{ zone: 'package-0', domain: 'package' }] });
    // A collector re-reporting the same facts (every restart of nvidia-smi, say) publishes nothing.
    expect(inv.set('host', { host: { hostname: 'gpu-07', cpus: 64 } })).toBe(false);
    expect(inv.set('host', { host: { hostname: 'gpu-07', cpus: 32 } })).toBe(true);
    expect(inv.merged().host).toEqual({ hostname: 'gpu-07', cpus: 32 });
  });

  it("replaces a collector's whole section, so a fact it stops reporting disappears", () => {
    const inv = new Inventory();
    inv.set('ipmi', { bmc: { address: 'local' }, fru: { serial: 'X1' } });
    expect(inv.set('ipmi', { bmc: { address: 'local' } })).toBe(true);
    expect(inv.merged()).toEqual({ bmc: { address: 'local' } });
  });

  it('keeps its own copy, so a collector mutating its object later changes nothing behind its back', () => {
    const inv = new Inventory();
    const gpus = [{ uuid: 'GPU-1', name: 'NVIDIA H100 80GB HBM3' }];
    inv.set('gpu', { gpus });
    gpus.push({ uuid: 'GPU-2', name: 'NVIDIA H100 80GB HBM3' });
    expect(inv.merged()).toEqual({ gpus: [{ uuid: 'GPU-1', name: 'NVIDIA H100 80GB HBM3' }] });
    expect(inv.set('gpu', { gpus })).toBe(true);
  });
});
