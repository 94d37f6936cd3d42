import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { loadOrCreateSigningKeys, TokenService, type SigningKeys } from '../../../hub/identity/tokens.js';

const TTL = 15 * 60_000;
const SKEW = 30_000;
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('TokenService (Ed25519 JWTs)', () => {
  let db: HubDb;
  let dir: string;
  let keys: SigningKeys;
  const at = (ms: number) => new TokenService(db, keys, { ttlMs: TTL, clockToleranceMs: SKEW, now: () => ms });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kcloud-tokens-'));
    db = openHubDb(join(dir, 'hub.db'));
    keys = loadOrCreateSigningKeys(join(dir, 'jwt-ed25519.pem'));
  });
  afterAll(() => db.close());

  it('creates the key once, 0600, and reads the same key back', () => {
    const file = join(dir, 'jwt-ed25519.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateSigningKeys(file);
    expect(again.publicKey.export({ format: 'jwk' })).toEqual(keys.publicKey.export({ format: 'jwk' }));
  });

  it('refuses a key file that is not Ed25519', () => {
    const file = join(dir, 'rsa.pem');
    writeFileSync(file, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadOrCreateSigningKeys(file)).toThrow(/not an Ed25519/);
  });

  it('issues a token that verifies to the user, stamp and jti it was issued for', async () => {
    const issued = await at(T0).issue(42, 'stamp-a');
    expect(issued.expiresAt).toBe(T0 + TTL);
    const claims = await at(T0 + 1000).verify(issued.token);
    expect(claims).toEqual({ userId: 42, jti: issued.jti, stamp: 'stamp-a', expiresAt: T0 + TTL });
    expect(decodeJwt(issued.token)).toMatchObject({ sub: '42', iss: 'kcloud-hub', aud: 'kcloud-api' });
  });

  it('refuses an expired token, but accepts one within the clock tolerance', async () => {
    const { token } = await at(T0).issue(1, 's');
    expect(await at(T0 + TTL + SKEW - 2000).verify(token)).not.toBeNull();
    expect(await at(T0 + TTL + SKEW + 2000).verify(token)).toBeNull();
  });

  it('accepts a token from an issuer whose clock runs ahead within the tolerance, not beyond', async () => {
    const ahead = await at(T0 + SKEW - 5000).issue(1, 's');
    expect(await at(T0).verify(ahead.token)).not.toBeNull();
    const farAhead = await at(T0 + SKEW + 5000).issue(1, 's');
    expect(await at(T0).verify(farAhead.token)).toBeNull();
  });

  it('refuses a tampered payload', async () => {
    const { token } = await at(T0).issue(7, 's');
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
    expect(await at(T0).verify(`${h}.${forged}.${sig}`)).toBeNull();
    expect(await at(T0).verify(token)).not.toBeNull();
  });

  it('refuses alg "none"', async () => {
    const t = new UnsecuredJWT({ pwd: 's' }).setIssuer('kcloud-hub').setAudience('kcloud-api').setSubject('1').setJti('x').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600).encode();
    expect(t.split('.')[2]).toBe('');
    expect(await at(T0).verify(t)).toBeNull();
  });

  it('refuses HS256 tokens keyed with the public key (algorithm switching) and tokens of another key', async () => {
    const claims = { pwd: 's' };
    const build = () => new SignJWT(claims).setIssuer('kcloud-hub').setAudience('kcloud-api').setSubject('1').setJti('j').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 600);
    const pem = keys.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const raw = Buffer.from((keys.publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
    for (const secret of [new TextEncoder().encode(pem), new Uint8Array(raw)]) {
      const hs = await build().setProtectedHeader({ alg: 'HS256' }).sign(secret);
      expect(await at(T0).verify(hs)).toBeNull();
    }
    const other = generateKeyPairSync('ed25519').privateKey;
    const foreign = await build().setProtectedHeader({ alg: 'EdDSA' }).sign(other);
    expect(await at(T0).verify(foreign)).toBeNull();
    // The same claims signed with the hub's key pass: the refusals above are about the key and algorithm.
    expect(await at(T0).verify(await build().setProtectedHeader({ alg: 'EdDSA' }).sign(keys.privateKey))).not.toBeNull();
  });

  it('refuses a revoked token and prunes revocations once they expired', async () => {
    const svc = at(T0);
    const a = await svc.issue(5, 's');
    const claims = (await svc.verify(a.token))!;
    svc.revoke(claims);
    expect(await svc.verify(a.token)).toBeNull();
    expect(svc.isRevoked(a.jti)).toBe(true);
    // A revocation made after the first token's expiry (plus tolerance) drops the old entry.
    const later = at(T0 + TTL + SKEW + 1000);
    const b = await later.issue(5, 's');
    later.revoke((await later.verify(b.token))!);
    expect(later.isRevoked(a.jti)).toBe(false);
    expect(later.isRevoked(b.jti)).toBe(true);
  });
});
