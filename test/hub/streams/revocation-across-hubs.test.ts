import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseHubMessage } from '../../../hub/redis/hub-channels.js';
import { revocationOf } from '../../../hub/redis/revocation-relay.js';
import { startApiHub, type ApiHub } from '../../helpers/api.js';
import { startRedis, type RedisServer } from '../redis/redis-server.js';

const json = { 'content-type': 'application/json' };

describe('revocation messages', () => {
  /** What a hub does with a message on the revocation channel. */
  const parseRevocationMessage = (text: string, self: string) => {
    const m = parseHubMessage(text, self);
    return m && revocationOf(m);
  };
  it('takes the three relayed kinds from another hub', () => {
    expect(parseRevocationMessage('{"origin":"b","kind":"user","userId":7}', 'a')).toEqual({ kind: 'user', userId: 7 });
    expect(parseRevocationMessage('{"origin":"b","kind":"credential","id":"9f1c"}', 'a')).toEqual({ kind: 'credential', id: '9f1c' });
    expect(parseRevocationMessage('{"origin":"b","kind":"node","name":"gpu-01"}', 'a')).toEqual({ kind: 'node', name: 'gpu-01' });
  });

  it.each([
    ['its own message', '{"origin":"a","kind":"user","userId":7}'],
    ['not JSON', '{"origin":'],
    ['not an object', '"user"'],
    ['no origin', '{"kind":"user","userId":7}'],
    ['an unknown kind', '{"origin":"b","kind":"everything"}'],
    ['"any" (each hub watches its own hub.db)', '{"origin":"b","kind":"any"}'],
    ['a fractional user id', '{"origin":"b","kind":"user","userId":7.5}'],
    ['a user id as text', '{"origin":"b","kind":"user","userId":"7"}'],
    ['a negative user id', '{"origin":"b","kind":"user","userId":-1}'],
    ['an empty credential id', '{"origin":"b","kind":"credential","id":""}'],
    ['a huge credential id', JSON.stringify({ origin: 'b', kind: 'credential', id: 'x'.repeat(10_000) })],
    ['a node name that is not text', '{"origin":"b","kind":"node","name":{"$gt":""}}'],
  ])('ignores %s', (_what, text) => {
    expect(parseRevocationMessage(text, 'a')).toBeNull();
  });
});

/** Two real hubs sharing one redis-server and one user store (B starts on a copy of A's hub.db and keys). */
describe('a logout on one hub closes the streams of that token on another', () => {
  let redis: RedisServer;
  let a: ApiHub;
  let b: ApiHub;

  beforeAll(async () => {
    redis = await startRedis();
    a = await startApiHub({ redis: { url: redis.url } });
    await a.addUser('ivy', 'admin');
    const dataB = join(mkdtempSync(join(tmpdir(), 'kcloud-hub-b-')), 'data');
    mkdirSync(dataB);
    a.db.exec(`VACUUM INTO '${join(dataB, 'hub.db')}'`);
    // Hubs that share logins share the JWT key and the secret key (hub.db's encrypted secrets).
    for (const file of ['jwt-ed25519.pem', 'secret.key']) copyFileSync(join(a.dataDir, file), join(dataB, file));
    b = await startApiHub({ dataDir: dataB, redis: { url: redis.url } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  it("closes B's /ws with 4001 when its JWT is logged out on A", async () => {
    const res = await b.request('/api/v1/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username: 'ivy', password: 'ivy-password' }) });
    expect(res.status).toBe(200);
    const { token } = ((await res.json()) as { data: { token: string } }).data;

    const socket = new WebSocket(`${b.api.replace(/^http/, 'ws')}/ws`);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    const authenticated = new Promise<void>((resolve) => socket.on('message', (raw) => JSON.parse(raw.toString()).type === 'authenticated' && resolve()));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'auth', token }));
    await authenticated;

    const out = await a.request('/api/v1/auth/logout', { method: 'POST', user: null, headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(200);
    expect(await closed).toBe(4001);
  });
});
