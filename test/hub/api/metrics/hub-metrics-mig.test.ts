import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

const UUID = 'GPU-00000000-0000-0000-0000-000000000000';
const GPU = { gpu: '0', uuid: UUID };
/** What the agent's DCGM collector publishes for the MIG H100 of test/fixtures/dcgmi (its whole GPU and two instances). */
const SAMPLES: Sample[] = [
  { metric: 'gpu_graphics_engine_active_ratio', labels: GPU, value: 0.423 },
  { metric: 'gpu_graphics_engine_active_ratio', labels: { ...GPU, gpu_i: '2', profile: '3g.40gb' }, value: 0.987 },
  { metric: 'gpu_graphics_engine_active_ratio', labels: { ...GPU, gpu_i: '3', profile: '2g.20gb' }, value: 0 },
  { metric: 'gpu_dram_active_ratio', labels: { ...GPU, gpu_i: '2', profile: '3g.40gb' }, value: 0.968 },
];

const seriesLines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));

describe('hub /metrics: DCGM profiling per MIG GPU instance', () => {
  let api: ApiHub;
  let node: TestNode;
  let viewer: [string, string];

  beforeAll(async () => {
    api = await startApiHub();
    node = await api.addNode('gpu-mig', 'lab');
    viewer = await api.addUser('scraper', 'viewer');
    await api.publishStatus(node, {});
    await api.publishInventory(node, { dcgm: { gpus: [{ id: 0, name: 'NVIDIA H100 80GB HBM3', pciBusId: '00000000:00:09.0', uuid: UUID }] } });
    await api.publishTelemetry(node, SAMPLES);
  });
  afterAll(() => api?.close());

  it.each(['/metrics', '/metrics/nodes/gpu-mig'])('%s keeps each instance apart under GPU_I_ID / GPU_I_PROFILE, beside the whole GPU', async (path) => {
    const res = await api.request(path, { user: viewer });
    expect(res.status).toBe(200);
    const text = await res.text();
    const gpu = `gpu="0",UUID="${UUID}",pci_bus_id="00000000:00:09.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-mig",hostname="gpu-mig",DCGM_FI_DRIVER_VERSION=""`;
    expect(seriesLines(text, 'DCGM_FI_PROF_GR_ENGINE_ACTIVE')).toEqual([
      `DCGM_FI_PROF_GR_ENGINE_ACTIVE{${gpu},cluster="lab"} 0.423`,
      `DCGM_FI_PROF_GR_ENGINE_ACTIVE{${gpu},GPU_I_PROFILE="3g.40gb",GPU_I_ID="2",cluster="lab"} 0.987`,
      `DCGM_FI_PROF_GR_ENGINE_ACTIVE{${gpu},GPU_I_PROFILE="2g.20gb",GPU_I_ID="3",cluster="lab"} 0`,
    ]);
    expect(seriesLines(text, 'DCGM_FI_PROF_DRAM_ACTIVE')).toEqual([`DCGM_FI_PROF_DRAM_ACTIVE{${gpu},GPU_I_PROFILE="3g.40gb",GPU_I_ID="2",cluster="lab"} 0.968`]);
  });
});
