import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latestTenantValues, readTenantMetric, watchedPods } from '../../../../hub/integrations/kubernetes/tenant-monitoring.js';
import { openTsdb } from '../../../../hub/tsdb/store.js';
import { metricDef } from '../../../../shared/metrics/index.js';

const tenant = { tenantId: 't1', namespace: 'ecp-ai-t1', isDemo: false, requirements: { stt: 10 } };
const MINUTE = 60_000;

/** The per-pod series as the hub stores the agents' pod-cgroups samples (node and cluster added by ingest; pod_uid only, the pod watch places it). */
describe("a tenant's pod CPU and memory from the stored pod cgroup series (real tsdb)", () => {
  const db = openTsdb(join(mkdtempSync(join(tmpdir(), 'kcloud-pod-usage-')), 'tsdb.db'), { sealDelay: 0, isCounter: (m) => metricDef(m)?.type === 'counter' });
  afterAll(() => db.close());
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const labels = (uid: string) => ({ node: 'n1', cluster: 'c1', pod_uid: uid, qos: 'burstable' });
  db.write(
    [0, 1, 2].flatMap((i) => [
      { metric: 'pod_cpu_usage_seconds_total', labels: labels('u1'), ts: now - 30_000 + i * 10_000, value: 50 + 20 * i },
      { metric: 'pod_memory_usage_bytes', labels: labels('u1'), ts: now - 30_000 + i * 10_000, value: 1000 + i },
      // Another namespace's pod: 9 cores, never the tenant's.
      { metric: 'pod_cpu_usage_seconds_total', labels: labels('u9'), ts: now - 30_000 + i * 10_000, value: 90 * i },
    ]),
  );
  db.flush();
  const pods = watchedPods('c1', [{ uid: 'u1', namespace: 'ecp-ai-t1' }, { uid: 'u9', namespace: 'other' }], 'ecp-ai-t1');

  it('the WebSocket/alert view: cores from the last two readings, memory the last reading, both measured', () => {
    const got = latestTenantValues(db, tenant, ['cpu_cores', 'memory_bytes', 'cpu'], now, 5 * MINUTE, pods);
    expect(got.values).toEqual({ cpu_cores: 2, memory_bytes: 1002, cpu: null });
    expect(got.sources).toEqual({ cpu_cores: 'measured', memory_bytes: 'measured' });
    expect(got.unavailable.cpu).toMatch(/nothing posted for cpu_usage/);
  });

  it('without the pod watch placing the UID there is nothing for the tenant (no namespace label on the series)', () => {
    const got = latestTenantValues(db, tenant, ['cpu_cores'], now, 5 * MINUTE, null);
    expect(got.values).toEqual({ cpu_cores: null });
    expect(got.unavailable.cpu_cores).toMatch(/^no pod_cpu_usage_seconds_total series with namespace=ecp-ai-t1/);
  });

  it('the range view: the step rate from the raw readings', () => {
    const read = readTenantMetric(db, tenant, 'cpu_cores', { start: now - MINUTE, end: now + 1, step: MINUTE }, pods);
    expect(read).toMatchObject({ points: [[now - MINUTE, 2]], avg: 2, max: 2, source: 'measured', series: 1 });
  });
});
