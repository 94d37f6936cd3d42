import { describe, expect, it } from 'vitest';
import { measuredTenants } from '../../../../hub/integrations/kubernetes/measured-alerts.js';

describe('measuredTenants: which tenants a stored batch has measured GPU values of', () => {
  const pods: Record<string, string> = { 'lab/uid-1': 'ecp-ai-alpha', 'lab/uid-2': 'kube-system' };
  const podNamespace = (cluster: string, uid: string) => pods[`${cluster}/${uid}`] ?? null;

  it('by the namespace label, else by the pod watch from pod_uid; other namespaces and metrics are not tenants', () => {
    const got = measuredTenants(
      [
        { metric: 'gpu_process_utilization_percent', labels: { cluster: 'lab', namespace: 'ecp-ai-beta' }, ts: 10 },
        { metric: 'gpu_process_power_watts', labels: { cluster: 'lab', pod_uid: 'uid-1' }, ts: 20 },
        { metric: 'gpu_process_power_watts', labels: { cluster: 'lab', pod_uid: 'uid-1' }, ts: 15 },
        { metric: 'gpu_process_power_watts', labels: { cluster: 'lab', pod_uid: 'uid-2' }, ts: 30 },
        { metric: 'gpu_process_power_watts', labels: { cluster: 'other', pod_uid: 'uid-1' }, ts: 40 },
        { metric: 'gpu_process_memory_used_bytes', labels: { cluster: 'lab', namespace: 'ecp-ai-gamma' }, ts: 50 },
        { metric: 'gpu_power_watts', labels: { cluster: 'lab', namespace: 'ecp-ai-delta' }, ts: 60 },
      ],
      podNamespace,
    );
    expect([...got]).toEqual([
      ['beta', 10],
      ['alpha', 20],
    ]);
  });
});
