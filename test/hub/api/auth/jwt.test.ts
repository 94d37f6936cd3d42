import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../../../hub/identity/users.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

const json = { 'content-type': 'application/json' };

describe('JWT Bearer over HTTP (real hub)', () => {
  let hub: ApiHub;
  const me = (t: string) => hub.request('/api/v1/users/me', { user: null, headers: { authorization: `Bearer ${t}` } });
  const login = async (username: string, password: string) => {
    const res = await hub.request('/api/v1/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username, password }) });
    return (await res.json()).data.token as string;
  };
  /** Claims like the hub's own, for forged tokens: only the key or algorithm differs. */
  const forge = (claims: Record<string, unknown>) => {
    const { iss, aud, sub, jti, iat, exp, ...rest } = claims as { iss: string; aud: string; sub: string; jti: string; iat: number; exp: number };
    return new SignJWT(rest).setIssuer(iss).setAudience(aud).setSubject(sub).setJti(jti).setIssuedAt(iat).setExpirationTime(exp);
  };

  beforeAll(async () => {
    hub = await startApiHub({ auth: { accessTokenTtl: '3s', clockTolerance: '0s' } });
    await hub.addUser('carol', 'user', 'carol-password');
  });
  afterAll(() => hub.close());

  it('accepts the hub\'s token and refuses tampered, alg:none, HS256-with-the-public-key and foreign-key tokens', async () => {
    // Tokens live 3 s here (for the expiry test), so each test logs in afresh.
    const token = await login('carol', 'carol-password');
    expect((await me(token)).status).toBe(200);
    const claims = decodeJwt(token);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url')}.${s}`;
    const none = new UnsecuredJWT({ pwd: claims.pwd }).setIssuer('kcloud-hub').setAudience('kcloud-api').setSubject(String(claims.sub)).setJti('n').setIssuedAt(claims.iat!).setExpirationTime(claims.exp!).encode();
    const pem = readFileSync(join(hub.dataDir, 'jwt-ed25519.pem'));
    const publicPem = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }) as string;
    const hs256 = await forge(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(publicPem));
    const foreign = await forge(claims).setProtectedHeader({ alg: 'EdDSA' }).sign(generateKeyPairSync('ed25519').privateKey);
    for (const bad of [tampered, none, hs256, foreign]) {
      const res = await me(bad);
      expect([res.status, (await res.json()).code]).toEqual([401, 'UNAUTHORIZED']);
    }
    // The same forging with the hub's real key is accepted: the refusals are about key and algorithm.
    const genuine = await forge(claims).setProtectedHeader({ alg: 'EdDSA' }).sign(createPrivateKey(pem));
    expect((await me(genuine)).status).toBe(200);
  });

  it('applies a role change at once and refuses tokens of a disabled or password-changed user', async () => {
    const token = await login('carol', 'carol-password');
    const users = new UserStore(hub.db);
    const id = users.byName('carol')!.id;
    users.update(id, { role: 'viewer' });
    expect((await (await me(token)).json()).data.role).toBe('viewer');
    users.update(id, { disabled: true });
    expect((await me(token)).status).toBe(401);
    users.update(id, { disabled: false, role: 'user' });
    expect((await me(token)).status).toBe(200);
    // As `kcloud-hub user passwd` does it: straight into the store.
    await users.setPassword('carol', 'carol-password-2');
    expect((await me(token)).status).toBe(401);
    expect((await me(await login('carol', 'carol-password-2'))).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    const t = await login('carol', 'carol-password-2');
    expect((await me(t)).status).toBe(200);
    await new Promise((r) => setTimeout(r, (decodeJwt(t).exp! + 1) * 1000 - Date.now()));
    expect((await me(t)).status).toBe(401);
  });
});
