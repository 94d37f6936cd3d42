import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuInventory } from '../../agent/collectors/gpu/inventory.js';
import { loadAgentConfig } from '../../agent/config.js';
import { startAgent } from '../../agent/runtime.js';
import { memoryLogger } from '../helpers/logger.js';
import { collectAgentMessages, type AgentMessages } from '../helpers/agent-messages.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { REPO, waitFor, writeConfig } from '../helpers/spawn-agent.js';

/**
 * PCIe throughput without DCGM: the agent runs the fake nvidia-smi (H200
 * load capture, 3 GPUs), whose `dmon -s t` prints rxpci = 4000 + index and
 * txpci = 2000 + index MB/s (documented in test/fakes/nvidia-smi). A plain
 * MQTT subscriber must see them as bytes/s, labelled with the UUIDs of the
 * agent's own inventory, and the node's /metrics must serve them under
 * dcgm-exporter's names.
 */
describe('agent PCIe throughput from nvidia-smi dmon', () => {
  let broker: Mosquitto;
  let seen: AgentMessages;
  const saved = { ...process.env };

  beforeAll(async () => {
    broker = await startMosquitto();
    seen = await collectAgentMessages(broker.url, 'kcloud/v1/lab/pcie-01/#');
  });

  afterAll(async () => {
    process.env = { ...saved };
    await seen?.close();
    await broker?.stop();
  });

  it('publishes gpu_pcie_{rx,tx}_bytes_per_second per GPU and renders them as DCGM_FI_PROF_PCIE_{RX,TX}_BYTES', async () => {
    Object.assign(process.env, { FAKE_NVIDIA_SMI_SCENARIO: 'h200-590.48.01-load', FAKE_NVIDIA_SMI_GPUS: '3' });
    const config = loadAgentConfig(
      writeConfig(`node: pcie-01
cluster: lab
dataDir: ${join(mkdtempSync(join(tmpdir(), 'kcloud-pcie-')), 'data')}
mqtt: { url: "${broker.url}" }
metrics: { listen: "127.0.0.1:0" }
collectors:
  gpu: { enabled: auto, interval: 500ms, nvidiaSmi: ${join(REPO, 'test/fakes/nvidia-smi')} }
  dcgm: { enabled: false }
  ipmi: { enabled: false }
  rapl: { enabled: false }
  host: { enabled: false }
`),
      {},
    );
    const agent = await startAgent(config, memoryLogger().log);
    const pcie = (metric: string, gpu: string) => seen.samples.find((s) => s.metric === metric && s.labels?.gpu === gpu);
    try {
      await waitFor(() => ['0', '1', '2'].every((g) => !!pcie('gpu_pcie_tx_bytes_per_second', g)) && !!seen.inventory?.inventory.gpus, 20_000, 'PCIe samples of 3 GPUs and the inventory');
      const gpus = seen.inventory!.inventory.gpus as GpuInventory[];
      expect(gpus).toHaveLength(3);
      for (const g of gpus) {
        const gpu = String(g.index);
        expect(pcie('gpu_pcie_rx_bytes_per_second', gpu)).toMatchObject({ labels: { gpu, uuid: g.uuid }, value: (4000 + g.index) * 1e6 });
        expect(pcie('gpu_pcie_tx_bytes_per_second', gpu)).toMatchObject({ labels: { gpu, uuid: g.uuid }, value: (2000 + g.index) * 1e6 });
      }

      const text = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
      for (const g of gpus) {
        for (const [family, mb] of [
          ['DCGM_FI_PROF_PCIE_RX_BYTES', 4000 + g.index],
          ['DCGM_FI_PROF_PCIE_TX_BYTES', 2000 + g.index],
        ] as const) {
          const line = text.split('\n').find((l) => l.startsWith(`${family}{gpu="${g.index}",UUID="${g.uuid}",`));
          expect(line, `${family} of GPU ${g.index} in:\n${text}`).toBeDefined();
          expect(Number(line!.split(' ').at(-1))).toBe(mb * 1e6);
        }
      }
      expect(text).toContain('# TYPE DCGM_FI_PROF_PCIE_RX_BYTES gauge');
    } finally {
      await agent.stop();
    }
  }, 40_000);
});
