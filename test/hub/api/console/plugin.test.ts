import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

/**
 * How the hub serves the console's files (hub/api/console/plugin.ts), on a
 * folder this test writes: the page before and after a build, compressed
 * copies, cache headers, paths outside the folder. test/e2e/console.test.ts
 * drives the real build in a browser.
 */
describe('web console files (real hub)', () => {
  let hub: ApiHub;
  let off: ApiHub;
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-console-files-'));

  beforeAll(async () => {
    hub = await startApiHub({ console: { dir } });
    off = await startApiHub({ console: { enabled: false, dir } });
  });
  afterAll(async () => {
    await hub?.close();
    await off?.close();
  });

  it('answers 503 SERVICE_UNAVAILABLE in the API\'s error body, naming the build, while the folder has no page, then serves the page once it is built', async () => {
    const before = await hub.request('/', { user: null });
    expect(before.status).toBe(503);
    const body = await before.json();
    expect(body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { console_dir: dir } });
    expect(body.error.message).toContain('npm run build');

    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'assets/app-1a2b3c.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets/app-1a2b3c.js.gz'), gzipSync('console.log(1)'));
    const page = await hub.request('/', { user: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toBe('<!doctype html><title>console</title>');
  });

  it('sends a bundle\'s precompressed copy to clients that accept it, cached for a year', async () => {
    const gz = await hub.request('/assets/app-1a2b3c.js', { user: null, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.status).toBe(200);
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await gz.text()).toBe('console.log(1)');
    const plain = await hub.request('/assets/app-1a2b3c.js', { user: null, headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe('console.log(1)');
  });

  it('serves nothing outside the assets folder and answers unknown files in the API\'s 404 body', async () => {
    for (const path of ['/assets/../index.html', '/assets/%2e%2e/index.html', '/assets/..%2f..%2fpackage.json', '/assets/nope.js']) {
      const res = await hub.request(path, { user: null });
      expect([400, 403, 404], path).toContain(res.status);
      expect(await res.text()).not.toContain('<title>console</title>');
    }
    const missing = await hub.request('/assets/nope.js', { user: null });
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
  });

  it('leaves / unrouted when console.enabled is false, the API and Swagger UI unchanged', async () => {
    expect((await off.request('/', { user: null })).status).toBe(404);
    expect((await off.request('/assets/app-1a2b3c.js', { user: null })).status).toBe(404);
    expect((await off.request('/docs/json', { user: null })).status).toBe(200);
  });
});
