import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../helpers/api.js';
import { ADMIN_PASSWORD } from '../helpers/hub.js';
import { SHARED } from '../helpers/spawn-agent.js';

/**
 * Every curl example of kcloud-monitor-api.md, run with the real curl against
 * a hub holding a fleet named as in the document (cluster prod, nodes
 * worker1 and worker2, GPU nvidia0, pod default/training-job-1). Only the
 * password (the hub has no default one) and the port are replaced. Each
 * answer must be 200 and, where the section documents a JSON response, carry
 * every documented field.
 */

interface Example {
  section: string;
  args: string[];
  /** The section's documented response, when it is valid JSON. */
  documented: unknown;
}

/** Splits a shell command line into words: quotes group, nothing else is interpreted (the examples need no more). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

function examples(): Example[] {
  const text = readFileSync(join(SHARED, 'seeds/kcloud-monitor-api.md'), 'utf8');
  const out: Example[] = [];
  for (const section of text.split(/^### /m).slice(1)) {
    const title = section.split('\n', 1)[0]!;
    const json = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => {
      try {
        return JSON.parse(m[1]!) as unknown;
      } catch {
        return undefined;
      }
    });
    const documented = json.find((j) => j !== undefined);
    for (const block of section.matchAll(/```bash\n([\s\S]*?)```/g)) {
      for (const line of block[1]!.split('\n')) {
        // The 인증 section's `curl -u username:password [URL]` are templates, not examples.
        if (line.startsWith('curl ') && !line.includes('[URL]')) out.push({ section: title, args: words(line).slice(1), documented });
      }
    }
  }
  return out;
}

/**
 * Paths of documented keys missing from `actual` (objects: every key; arrays:
 * the first element's keys against ours). A field that is there with null is
 * not missing: null is how the hub says "not known" (a pod's labels before
 * Kubernetes reports them).
 */
function missingKeys(documented: unknown, actual: unknown, path = ''): string[] {
  if (actual === null && path !== '') return [];
  if (Array.isArray(documented)) {
    if (documented.length === 0 || !Array.isArray(actual)) return Array.isArray(actual) ? [] : [path || '/'];
    if (actual.length === 0) return [`${path}[] (empty)`];
    return missingKeys(documented[0], actual[0], `${path}[0]`);
  }
  if (documented !== null && typeof documented === 'object') {
    if (actual === null || typeof actual !== 'object') return [path || '/'];
    return Object.entries(documented).flatMap(([k, v]) => (k in actual ? missingKeys(v, (actual as Record<string, unknown>)[k], `${path}.${k}`) : [`${path}.${k}`]));
  }
  return [];
}

describe('kcloud-monitor-api.md curl examples against the hub', () => {
  let hub: ApiHub;
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-seed-curl-'));
  const all = examples();

  beforeAll(async () => {
    hub = await startApiHub({ http: { port: 0 } });
    const worker1 = await hub.addNode('worker1', 'prod');
    const worker2 = await hub.addNode('worker2', 'prod');
    const gpu = { index: 0, uuid: 'GPU-abc123', name: 'NVIDIA A30', serial: null, driverVersion: '535.183.01', cudaVersion: '12.2', vbios: '92.00.36.00.01', pciBusId: '00000000:3B:00.0', memoryTotalBytes: 24576 * 1048576, powerLimits: { enforcedWatts: 165, defaultWatts: 165, minWatts: 100, maxWatts: 165 }, migMode: 'Disabled', migDevices: [], processes: [] };
    const host = (name: string) => ({ hostname: name, fqdn: name, os: 'Ubuntu 22.04.3 LTS', kernel: '5.15.0-91-generic', arch: 'x64', cpuModel: 'Xeon', sockets: 2, cores: 48, threads: 96, memoryBytes: 256 * 1024 ** 3, vendor: null, model: null, serial: null, virtual: false, gpus: [], bmc: null });
    for (const [node, inv] of [[worker1, { host: host('worker1'), gpus: [gpu] }], [worker2, { host: host('worker2') }]] as const) {
      const on = { enabled: true, reason: 'found', lastSampleTs: null, errors: 0 };
      await hub.publishStatus(node, { sources: { gpu: on, ipmi: on, rapl: on, host: on } });
      await hub.publishInventory(node, inv);
    }
    const now = Date.now();
    const minute = 60_000;
    const gpuLabels = { gpu: '0', uuid: 'GPU-abc123' };
    const pod = { ...gpuLabels, pid: '4242', container_id: 'c0ffee', pod_uid: '7f1d-uid', namespace: 'default', pod: 'training-job-1', container: 'pytorch-trainer' };
    for (let m = 60; m >= 0; m--) {
      const ts = now - m * minute;
      await hub.publishTelemetry(worker1, [
        { metric: 'gpu_power_watts', labels: gpuLabels, ts, value: 183.5 },
        { metric: 'gpu_energy_joules', labels: gpuLabels, ts, value: (60 - m) * 60 * 183.5 },
        { metric: 'gpu_temperature_celsius', labels: gpuLabels, ts, value: 45 },
        { metric: 'gpu_utilization_percent', labels: gpuLabels, ts, value: 85.3 },
        { metric: 'gpu_memory_used_bytes', labels: gpuLabels, ts, value: 18432 * 1048576 },
        { metric: 'gpu_memory_total_bytes', labels: gpuLabels, ts, value: 24576 * 1048576 },
        { metric: 'gpu_process_power_watts', labels: pod, ts, value: 150 },
        { metric: 'gpu_process_memory_used_bytes', labels: pod, ts, value: 8192 * 1048576 },
        { metric: 'rapl_power_watts', labels: { zone: 'intel-rapl:0', domain: 'package' }, ts, value: 75.8 },
        { metric: 'rapl_power_watts', labels: { zone: 'intel-rapl:0:0', domain: 'dram' }, ts, value: 26 },
        { metric: 'node_power_watts', labels: { source: 'dcmi' }, ts, value: 285.3 },
        { metric: 'ipmi_power_watts', labels: { sensor: 'PSU1_Power', type: 'Power Supply' }, ts, value: 145 },
        { metric: 'ipmi_power_watts', labels: { sensor: 'PSU2_Power', type: 'Power Supply' }, ts, value: 140.3 },
        { metric: 'ipmi_temperature_celsius', labels: { sensor: 'CPU1_Temp', type: 'Temperature' }, ts, value: 55 },
        { metric: 'ipmi_fan_rpm', labels: { sensor: 'Fan1', type: 'Fan' }, ts, value: 3200 },
        { metric: 'ipmi_voltage_volts', labels: { sensor: '12V', type: 'Voltage' }, ts, value: 12.05 },
        { metric: 'host_cpu_utilization_percent', labels: {}, ts, value: 78.5 },
        { metric: 'host_memory_used_bytes', labels: {}, ts, value: 200 * 1024 ** 3 },
        { metric: 'host_memory_total_bytes', labels: {}, ts, value: 256 * 1024 ** 3 },
      ], ts);
      await hub.publishTelemetry(worker2, [{ metric: 'host_cpu_utilization_percent', labels: {}, ts, value: 12.5 }], ts);
    }
  }, 60_000);
  afterAll(() => hub?.close());

  it('finds the document\'s examples', () => {
    // Sections 1-7 of the document hold 42 curl examples; a parse that finds few means the test checks nothing.
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  it.each(all.map((e, i) => [i, e.section, e.args.join(' ')] as const))('example %i (%s): curl %s', async (i) => {
    const example = all[i]!;
    const out = join(dir, `body-${i}`);
    // The document's host and password; a redirect to a file becomes -o (curl writes it, no shell here).
    const args = example.args
      .map((a) => a.replace('admin:changeme', `admin:${ADMIN_PASSWORD}`).replace('http://localhost:8001', hub.api))
      .filter((a, j, list) => a !== '>' && list[j - 1] !== '>');
    const { stdout } = await execa('curl', ['-sS', '-o', out, '-w', '%{http_code} %{content_type}', ...args]);
    const [status, contentType] = stdout.split(' ');
    const body = readFileSync(out);
    expect(status, body.toString('utf8', 0, 500)).toBe('200');
    const documented = example.documented as { breakdown_by?: string } | undefined;
    // 4.2 documents the node breakdown only ("응답 (노드별 예시)"): the other breakdowns have other entries.
    const sameBreakdown = documented?.breakdown_by === undefined || args.some((a) => a.includes(`breakdown_by=${documented.breakdown_by}`));
    if (contentType?.startsWith('application/json') && documented !== undefined && sameBreakdown) {
      const missing = missingKeys(documented, JSON.parse(body.toString('utf8')));
      // Node roles come from Kubernetes (a later integration): until then `role=worker` matches no node, an empty list.
      expect(args.some((a) => a.includes('role=')) ? missing.filter((m) => !m.endsWith('[] (empty)')) : missing).toEqual([]);
    }
  });
});
