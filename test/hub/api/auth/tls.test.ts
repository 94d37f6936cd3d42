import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

/** A self-signed certificate for 127.0.0.1, made with openssl (argument arrays, no shell). */
async function selfSigned(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await execa('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  return { cert, key };
}

/** One HTTPS request trusting only the test certificate. */
function https(url: string, ca: Buffer, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('HTTPS (http.tls) with session cookies', () => {
  let hub: ApiHub;
  let ca: Buffer;
  let base: string;
  beforeAll(async () => {
    const files = await selfSigned(mkdtempSync(join(tmpdir(), 'kcloud-tls-')));
    ca = readFileSync(files.cert);
    hub = await startApiHub({ http: { tls: files } });
    base = hub.api.replace('http://', 'https://');
    await hub.addUser('tess', 'user', 'tess-password');
  });
  afterAll(() => hub.close());

  it('serves the APIs over TLS and marks the session cookie Secure', async () => {
    const res = await https(`${base}/api/auth/login`, ca, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'tess', password: 'tess-password' }) });
    expect(res.status).toBe(200);
    const cookie = (res.headers['set-cookie'] as string[])[0]!;
    expect(cookie.split(';').map((a) => a.trim())).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Strict']));
    const me = await https(`${base}/api/v1/users/me`, ca, { headers: { cookie: cookie.split(';')[0]! } });
    expect(JSON.parse(me.body).data).toMatchObject({ username: 'tess', auth_method: 'session' });
  });

  it('refuses plain HTTP on the TLS port', async () => {
    await expect(fetch(`${hub.api}/api/v1/users/me`)).rejects.toThrow();
  });
});
