import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { HubDb } from '../core/db.js';
import { revocationsOf } from './revocations.js';

/**
 * The one signature algorithm: Ed25519. Verification accepts nothing else, so
 * `alg: none` and algorithm switching (an HS256 token "signed" with the
 * public key) are refused before any key is used.
 */
export const JWT_ALGORITHM = 'EdDSA';
const ISSUER = 'kcloud-hub';
const AUDIENCE = 'kcloud-api';

export interface SigningKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * The hub's JWT key, `<dataDir>/jwt-ed25519.pem` (PKCS#8, 0600), generated on
 * first start. Hubs that share logins must share this file.
 */
export function loadOrCreateSigningKeys(file: string): SigningKeys {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      // 'wx': when two processes start at once, the second reads the first one's key.
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  const privateKey = createPrivateKey(readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export interface IssuedToken {
  token: string;
  jti: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** What a valid, unrevoked token says. */
export interface TokenClaims {
  userId: number;
  jti: string;
  /** The user's password stamp at login (hub/identity/users.ts passwordStamp). */
  stamp: string;
  expiresAt: number;
}

/** Revocations shared with other hubs (hub/redis/revocations.ts); `until` is when the token is refused anyway. */
export interface RevocationMirror {
  publish(revocation: { jti: string; until: number }): void;
  isRevoked(jti: string): Promise<boolean>;
}

export interface TokenOptions {
  ttlMs: number;
  clockToleranceMs: number;
  now?: () => number;
  /** With a Redis: revocations made by any hub sharing the JWT key; null: this hub's list only. */
  shared?: RevocationMirror | null;
}

/** Short-lived access tokens with a revocation list in hub.db (logout), shared through Redis when there is one. */
export class TokenService {
  private readonly now: () => number;
  // Prepared once: every JWT-authenticated request looks its jti up.
  private readonly revoked;

  constructor(
    private readonly db: HubDb,
    private readonly keys: SigningKeys,
    private readonly opts: TokenOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.revoked = db.prepare<[string], unknown>('SELECT 1 FROM revoked_tokens WHERE jti = ?');
  }

  async issue(userId: number, stamp: string): Promise<IssuedToken> {
    const jti = randomUUID();
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + Math.ceil(this.opts.ttlMs / 1000);
    const token = await new SignJWT({ pwd: stamp })
      .setProtectedHeader({ alg: JWT_ALGORITHM, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(String(userId))
      .setJti(jti)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .sign(this.keys.privateKey);
    return { token, jti, expiresAt: exp * 1000 };
  }

  /** The claims of a well-signed, current, unrevoked token; null for anything else. */
  async verify(token: string): Promise<TokenClaims | null> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.publicKey, {
        algorithms: [JWT_ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        clockTolerance: Math.round(this.opts.clockToleranceMs / 1000),
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'jti', 'exp', 'iat'],
      }));
    } catch {
      return null;
    }
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || typeof payload.jti !== 'string' || typeof payload.pwd !== 'string') return null;
    if (this.isRevoked(payload.jti) || (await this.opts.shared?.isRevoked(payload.jti))) return null;
    return { userId, jti: payload.jti, stamp: payload.pwd, expiresAt: payload.exp! * 1000 };
  }

  /** Puts a token on the revocation list until it would have expired anyway; prunes expired entries. */
  revoke(claims: Pick<TokenClaims, 'jti' | 'userId' | 'expiresAt'>): void {
    const now = this.now();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM revoked_tokens WHERE expires_at < ?').run(now - this.opts.clockToleranceMs);
      this.db.prepare('INSERT OR IGNORE INTO revoked_tokens (jti, user_id, expires_at) VALUES (?, ?, ?)').run(claims.jti, claims.userId, claims.expiresAt);
    })();
    this.opts.shared?.publish({ jti: claims.jti, until: claims.expiresAt + this.opts.clockToleranceMs });
    revocationsOf(this.db).announce({ kind: 'credential', id: claims.jti });
  }

  /** This hub's revocations of tokens still inside their lifetime (what a Redis that was down has missed). */
  unexpired(): { jti: string; until: number }[] {
    const rows = this.db.prepare('SELECT jti, expires_at FROM revoked_tokens WHERE expires_at >= ?').all(this.now() - this.opts.clockToleranceMs) as { jti: string; expires_at: number }[];
    return rows.map((r) => ({ jti: r.jti, until: r.expires_at + this.opts.clockToleranceMs }));
  }

  isRevoked(jti: string): boolean {
    return this.revoked.get(jti) !== undefined;
  }
}
