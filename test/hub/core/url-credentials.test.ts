import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHubState, writeHubState, type HubState } from '../../../hub/core/status-file.js';
import { redactUrlCredentials, splitUrlCredentials, withoutCredentials } from '../../../hub/core/url-credentials.js';

describe('URL credentials', () => {
  it('takes user:password@ out of a URL, decoded, keeping the rest as configured', () => {
    expect(splitUrlCredentials('http://kc:p%40ss@prom:9090')).toEqual({ url: 'http://prom:9090', credentials: { username: 'kc', password: 'p@ss' } });
    expect(splitUrlCredentials('https://kc:x@host/prometheus/')).toEqual({ url: 'https://host/prometheus/', credentials: { username: 'kc', password: 'x' } });
    expect(splitUrlCredentials('http://prom:9090')).toEqual({ url: 'http://prom:9090', credentials: null });
    expect(withoutCredentials('mqtts://hub:secret@broker:8883')).toBe('mqtts://broker:8883');
    expect(withoutCredentials('not a url')).toBe('not a url');
  });

  it('removes credentials from every URL in free text', () => {
    expect(redactUrlCredentials('connect to redis://:s3cret@db:6379 and http://u:p@x/y failed')).toBe('connect to redis://db:6379 and http://x/y failed');
    expect(redactUrlCredentials('ECONNREFUSED 127.0.0.1:6379')).toBe('ECONNREFUSED 127.0.0.1:6379');
  });

  it('writes an external broker\'s url and last error to status.json without credentials', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-status-'));
    const state = {
      pid: 1,
      startedAt: 0,
      updatedAt: 0,
      version: 'test',
      broker: { mode: 'external', url: 'mqtts://hub:br0ker-pw@broker:8883', connected: false, lastError: 'cannot reach mqtts://hub:br0ker-pw@broker:8883' },
      ingest: {},
      store: { series: 0, samples: 0, bytes: 0 },
    } as unknown as HubState;
    writeHubState(dir, state);
    expect(readFileSync(join(dir, 'status.json'), 'utf8')).not.toContain('br0ker-pw');
    expect(readHubState(dir)?.broker).toEqual({ mode: 'external', url: 'mqtts://broker:8883', connected: false, lastError: 'cannot reach mqtts://broker:8883' });
  });
});
