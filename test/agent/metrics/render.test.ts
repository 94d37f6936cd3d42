import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LatestValues } from '../../../agent/latest-values.js';
import { familyOf } from '../../../agent/metrics/families.js';
import { renderMetrics } from '../../../agent/metrics/render.js';
import { METRICS } from '../../../shared/metrics/index.js';
import { INVENTORY, nodeSamples, SELF, UUID0 } from './node-samples.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');
// pci_bus_id and driver version as in the H100 capture's `pci.bus_id` / `driver_version`.
const DCGM = `gpu="0",UUID="${UUID0}",pci_bus_id="00000000:00:09.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-01",hostname="gpu-01",DCGM_FI_DRIVER_VERSION="590.48.01"`;

async function scrape(over: Partial<Parameters<typeof renderMetrics>[0]> = {}): Promise<string> {
  const latest = new LatestValues();
  latest.update(nodeSamples(NOW), NOW);
  const { text } = await renderMetrics({ samples: latest.all(), inventory: INVENTORY, node: 'gpu-01', cluster: 'lab', self: SELF, now: NOW, ...over });
  return text;
}

describe('node /metrics rendering', () => {
  it.each([
    // dcgm-exporter names and labels; framebuffer in MiB, energy in mJ.
    [`DCGM_FI_DEV_POWER_USAGE{${DCGM}} 631.95`],
    [`DCGM_FI_DEV_POWER_USAGE_INSTANT{${DCGM}} 625.68`],
    [`DCGM_FI_DEV_GPU_UTIL{${DCGM}} 100`],
    [`DCGM_FI_DEV_FB_USED{${DCGM}} 19818`],
    [`DCGM_FI_DEV_FB_TOTAL{${DCGM}} 81559`],
    [`DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{${DCGM}} 1234567891`],
    [`DCGM_FI_DEV_SM_CLOCK{${DCGM}} 1980`],
    [`DCGM_FI_DEV_ECC_SBE_VOL_TOTAL{${DCGM}} 0`],
    ['# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter'],
    ['# TYPE DCGM_FI_DEV_POWER_USAGE gauge'],
    // Everything else as kcloud_<name>, catalogue labels plus Hostname.
    ['kcloud_ipmi_power_watts{sensor="Total_Power",id="32h",Hostname="gpu-01",hostname="gpu-01"} 840'],
    ['kcloud_ipmi_voltage_volts{sensor="12V",id="18h",Hostname="gpu-01",hostname="gpu-01"} 12.06'],
    ['kcloud_node_power_watts{source="dcmi",Hostname="gpu-01",hostname="gpu-01"} 840'],
    ['kcloud_rapl_power_watts{zone="package-0",domain="package",Hostname="gpu-01",hostname="gpu-01"} 123.5'],
    // A counter gets the `_total` suffix Prometheus expects.
    ['kcloud_rapl_energy_joules_total{zone="package-0",domain="package",Hostname="gpu-01",hostname="gpu-01"} 240422.366267'],
    ['# TYPE kcloud_rapl_energy_joules_total counter'],
    [
      `kcloud_gpu_process_memory_used_bytes{gpu="0",uuid="${UUID0}",pid="4242",container_id="c0ffee",pod_uid="u-1",namespace="ml",pod="trainer-0",container="pytorch",Hostname="gpu-01",hostname="gpu-01"} 19922944000`,
    ],
    // Self-metrics come live from self(), not from the stored sample (99).
    ['kcloud_agent_outbox_depth{Hostname="gpu-01",hostname="gpu-01"} 3'],
    ['kcloud_agent_outbox_bytes{Hostname="gpu-01",hostname="gpu-01"} 48213'],
    ['kcloud_agent_outbox_dropped_total{Hostname="gpu-01",hostname="gpu-01"} 1'],
    ['# TYPE kcloud_agent_outbox_dropped_total counter'],
    ['kcloud_agent_collector_errors_total{collector="gpu",Hostname="gpu-01",hostname="gpu-01"} 0'],
    ['kcloud_agent_collector_errors_total{collector="ipmi",Hostname="gpu-01",hostname="gpu-01"} 2'],
    ['kcloud_agent_info{Hostname="gpu-01",hostname="gpu-01",cluster="lab"} 1'],
  ])('has %s', async (line) => {
    expect((await scrape()).split('\n')).toContain(line);
  });

  it('leaves out stale series, families without series, and the stored self-metric', async () => {
    const text = await scrape();
    expect(text).not.toContain('GPU-gone');
    expect(text).not.toContain('DCGM_FI_DEV_FAN_SPEED');
    expect(text).not.toContain('kcloud_host_');
    expect(text).not.toContain(' 99\n');
    // Five minutes on, every sample (taken a second before NOW) is stale; only the live self-metrics remain.
    const later = await scrape({ now: NOW + 5 * 60_000 });
    expect(later.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('{')[0])).toEqual([
      'kcloud_agent_outbox_depth',
      'kcloud_agent_outbox_bytes',
      'kcloud_agent_outbox_dropped_total',
      'kcloud_agent_collector_errors_total',
      'kcloud_agent_collector_errors_total',
      'kcloud_agent_info',
    ]);
  });

  it('leaves modelName, pci_bus_id and the driver version empty when the inventory does not know the GPU', async () => {
    expect(await scrape({ inventory: {} })).toContain(`DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="${UUID0}",pci_bus_id="",device="nvidia0",modelName="",Hostname="gpu-01",hostname="gpu-01",DCGM_FI_DRIVER_VERSION=""} 59`);
  });

  it('drops the legacy Hostname label when metrics.legacyHostnameLabel is false, keeping hostname', async () => {
    const text = await scrape({ options: { legacyHostnameLabel: false } });
    expect(text).toContain(`DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="${UUID0}",pci_bus_id="00000000:00:09.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",hostname="gpu-01",DCGM_FI_DRIVER_VERSION="590.48.01"} 59`);
    expect(text).toContain('kcloud_agent_info{hostname="gpu-01",cluster="lab"} 1');
    expect(text).not.toContain('Hostname=');
  });

  it('takes modelName and pci_bus_id from the DCGM discovery inventory on the DCGM path', async () => {
    // `dcgmi discovery -l` as the DCGM collector publishes it: no driver version there.
    const inventory = { dcgm: { gpus: [{ id: 0, name: 'NVIDIA H100 80GB HBM3', pciBusId: '00000000:00:09.0', uuid: UUID0 }] } };
    expect(await scrape({ inventory })).toContain(
      `DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="${UUID0}",pci_bus_id="00000000:00:09.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-01",hostname="gpu-01",DCGM_FI_DRIVER_VERSION=""} 59`,
    );
  });

  it('labels MIG instance series with GPU_I_ID and GPU_I_PROFILE', async () => {
    const latest = new LatestValues();
    latest.update([{ metric: 'gpu_mig_memory_used_bytes', labels: { gpu: '0', uuid: UUID0, gpu_i: '2', profile: '3g.40gb' }, value: 1048576, ts: NOW - 1000 }], NOW);
    const { text } = await renderMetrics({ samples: latest.all(), inventory: INVENTORY, node: 'gpu-01', cluster: 'lab', self: SELF, now: NOW });
    expect(text).toContain(`kcloud_gpu_mig_memory_used_bytes{gpu="0",uuid="${UUID0}",gpu_i="2",profile="3g.40gb",Hostname="gpu-01",hostname="gpu-01",GPU_I_PROFILE="3g.40gb",GPU_I_ID="2"} 1048576`);
  });

  it('exports host families under node_exporter names only when metrics.nodeExporterNames is on', async () => {
    const latest = new LatestValues();
    const host = [
      { metric: 'host_load1', value: 1.25 },
      { metric: 'host_memory_total_bytes', value: 64e9 },
      { metric: 'host_memory_used_bytes', value: 24e9 },
      { metric: 'host_disk_size_bytes', labels: { mount: '/' }, value: 5e11 },
    ];
    latest.update(host.map((h) => ({ labels: {}, ...h, ts: NOW - 1000 })), NOW);
    const render = (nodeExporterNames: boolean) =>
      renderMetrics({ samples: latest.all(), inventory: {}, node: 'gpu-01', cluster: 'lab', self: SELF, now: NOW, options: { nodeExporterNames } }).then((r) => r.text.split('\n'));
    const on = await render(true);
    expect(on).toEqual(expect.arrayContaining(['node_load1 1.25', 'node_memory_MemTotal_bytes 64000000000', 'node_memory_MemAvailable_bytes 40000000000', 'node_filesystem_size_bytes{mountpoint="/"} 500000000000']));
    // The kcloud names stay.
    expect(on).toContain('kcloud_host_load1{Hostname="gpu-01",hostname="gpu-01"} 1.25');
    expect((await render(false)).filter((l) => l.startsWith('node_'))).toEqual([]);
  });

  it("gives every DCGM field the Prometheus type dcgm-exporter's own counter lists give it", () => {
    const dir = resolve(import.meta.dirname, '../../../../shared/fixtures/dcgmi');
    // `DCGM_FI_DEV_DEC_UTIL ,     gauge, Decoder utilization (in %).`, also in commented-out lines.
    const types = new Map<string, string>();
    for (const file of ['dcgm-exporter-default-counters.csv', 'dcgm-exporter-dcp-metrics-included.csv']) {
      for (const m of readFileSync(resolve(dir, file), 'utf8').matchAll(/^#?\s*(DCGM_FI_\w+)\s*,\s*(\w+)\s*,/gm)) types.set(m[1]!, m[2]!);
    }
    const ours = METRICS.filter((d) => d.dcgm).map((d) => familyOf(d));
    const listed = ours.filter((f) => types.has(f.name));
    expect(listed.length).toBeGreaterThanOrEqual(12);
    for (const f of listed) expect(`${f.name} ${f.type}`).toBe(`${f.name} ${types.get(f.name)}`);
  });
});
