import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../../agent/publish/client-options.js';

const will = Buffer.from('{"state":"offline"}');

describe('clientOptions', () => {
  it('names the client after cluster and node, uses a clean session and the retained offline status as Last Will', () => {
    const o = clientOptions({ url: 'mqtt://hub:1883', cluster: 'lab', node: 'gpu-07' }, will);
    expect(o).toMatchObject({ clientId: 'kcloud-agent-lab-gpu-07', clean: true });
    expect(o.will).toEqual({ topic: 'kcloud/v1/lab/gpu-07/status', payload: will, qos: 1, retain: true });
    expect(o.username).toBeUndefined();
    expect(o.password).toBeUndefined();
    expect(o.ca).toBeUndefined();
  });

  it('reads the password file without its trailing newline, and the CA file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-opts-'));
    writeFileSync(join(dir, 'pw'), '  s3cret pw\n');
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const o = clientOptions({ url: 'mqtts://hub:8883', cluster: 'lab', node: 'n1', username: 'n1', passwordFile: join(dir, 'pw'), ca: join(dir, 'ca.pem') }, will);
    expect(o.username).toBe('n1');
    expect(o.password).toBe('s3cret pw');
    expect(o.ca?.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('names the config key and the file when the password file is missing', () => {
    expect(() => clientOptions({ url: 'mqtt://hub', cluster: 'lab', node: 'n1', passwordFile: '/nonexistent/kcloud-pw' }, will)).toThrow(
      'config key "mqtt.passwordFile": cannot read /nonexistent/kcloud-pw: ENOENT',
    );
  });
});
