import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../../agent/config.js';

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kcloud-cfg-')), 'agent.yaml');
  writeFileSync(file, text);
  return file;
}

describe('config loading', () => {
  it('fills documented defaults', () => {
    const cfg = loadAgentConfig(undefined, {});
    expect(cfg.cluster).toBe('default');
    expect(cfg.mqtt.url).toBe('mqtt://localhost:1883');
    expect(cfg.collectors.ipmi).toMatchObject({ enabled: 'auto', interval: '10s', port: 623, cipherSuite: 3, timeout: '5s' });
    expect(cfg.collectors.rapl.root).toBe('/sys/class/powercap');
    expect(cfg.collectors.gpu).toMatchObject({ kernelLog: '/dev/kmsg', nvlinkInterval: '60s' });
    expect(cfg.node.length).toBeGreaterThan(0);
  });

  it('reads YAML and lets env override any key', () => {
    const file = yamlFile('node: gpu-07\ncluster: lab\ncollectors:\n  ipmi:\n    interface: lanplus\n    host: 10.0.0.5\n');
    const cfg = loadAgentConfig(file, { KCLOUD_MQTT_URL: 'mqtts://hub:8883', KCLOUD_COLLECTORS_IPMI_PORT: '9623', KCLOUD_COLLECTORS_GPU_ENABLED: 'false' });
    expect(cfg.node).toBe('gpu-07');
    expect(cfg.cluster).toBe('lab');
    expect(cfg.collectors.ipmi.interface).toBe('lanplus');
    expect(cfg.collectors.ipmi.port).toBe(9623);
    expect(cfg.collectors.gpu.enabled).toBe(false);
    expect(cfg.mqtt.url).toBe('mqtts://hub:8883');
  });

  it.each([
    [{ KCLOUD_COLLECTORS_IPMI_PORT: 'abc' }, 'collectors.ipmi.port'],
    [{ KCLOUD_COLLECTORS_GPU_INTERVAL: 'soon' }, 'collectors.gpu.interval'],
    [{ KCLOUD_MQTT_URL: 'http://x' }, 'mqtt.url'],
    [{ KCLOUD_CLUSTER: 'a/b' }, 'cluster'],
  ])('names the bad key %#', (env, key) => {
    expect(() => loadAgentConfig(undefined, env)).toThrow(`config key "${key}"`);
  });

  it('names unknown keys (typos) in the file', () => {
    expect(() => loadAgentConfig(yamlFile('colectors: {}\n'), {})).toThrow('config key "colectors"');
  });

  it('reports YAML syntax errors with the file name', () => {
    const file = yamlFile('node: [unclosed\n');
    expect(() => loadAgentConfig(file, {})).toThrow(file);
  });
});
