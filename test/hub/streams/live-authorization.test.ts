import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiPrincipal } from '../../../hub/api/auth/principal.js';
import { ApiError } from '../../../hub/api/errors.js';
import { Revocations } from '../../../hub/identity/revocations.js';
import { closeReason, LiveAuthorization, wsCloseCode } from '../../../hub/streams/live-authorization.js';

const ada: ApiPrincipal = { userId: 7, username: 'ada', role: 'admin', via: 'jwt', scopes: null, credentialId: 'jti-ada' };

/** A re-check the test settles by hand, to look at the stream while it runs. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('LiveAuthorization', () => {
  let db: Database.Database;
  let revocations: Revocations;
  let checks: ReturnType<typeof deferred<ApiPrincipal>>[];
  let ended: ApiError[];
  let sent: string[];
  let live: LiveAuthorization;
  /** Lets the settled check's continuation run (promise jobs run before the next macrotask). */
  const settle = () => new Promise((r) => setImmediate(r));

  beforeEach(() => {
    db = new Database(':memory:');
    revocations = new Revocations(db);
    checks = [];
    ended = [];
    sent = [];
    live = new LiveAuthorization({
      revocations,
      principal: ada,
      reauthenticate: () => {
        const d = deferred<ApiPrincipal>();
        checks.push(d);
        return d.promise;
      },
      permission: 'audit:read',
      end: (err) => ended.push(err),
    });
  });
  afterEach(() => {
    live.close();
    db.close();
  });

  it('sends at once while nothing concerns the principal; other users, credentials and nodes start no check', () => {
    live.deliver(() => sent.push('a'));
    revocations.announce({ kind: 'user', userId: 8 });
    revocations.announce({ kind: 'credential', id: 'jti-other' });
    revocations.announce({ kind: 'node', name: 'gpu-01' });
    live.deliver(() => sent.push('b'));
    expect(sent).toEqual(['a', 'b']);
    expect(checks).toHaveLength(0);
  });

  it('holds events from the revocation on and sends them in order once the check passes', async () => {
    revocations.announce({ kind: 'credential', id: 'jti-ada' });
    live.deliver(() => sent.push('held-1'));
    live.deliver(() => sent.push('held-2'));
    expect(sent).toEqual([]);
    checks[0]!.resolve(ada);
    await settle();
    expect(sent).toEqual(['held-1', 'held-2']);
    live.deliver(() => sent.push('after'));
    expect(sent).toEqual(['held-1', 'held-2', 'after']);
    expect(ended).toEqual([]);
  });

  it('drops what it held and ends with FORBIDDEN when the principal lost the permission', async () => {
    revocations.announce({ kind: 'user', userId: 7 });
    live.deliver(() => sent.push('held'));
    checks[0]!.resolve({ ...ada, role: 'user' });
    await settle();
    expect(sent).toEqual([]);
    expect(ended.map((e) => e.code)).toEqual(['FORBIDDEN']);
    expect(wsCloseCode(ended[0]!)).toBe(4003);
    live.deliver(() => sent.push('later'));
    expect(sent).toEqual([]);
  });

  it('ends with the re-authentication error (UNAUTHORIZED: 4001; anything else: 1013)', async () => {
    revocations.announce({ kind: 'any' });
    checks[0]!.reject(new ApiError('UNAUTHORIZED', 'invalid jwt credentials'));
    await settle();
    expect(ended.map((e) => [e.code, wsCloseCode(e)])).toEqual([['UNAUTHORIZED', 4001]]);
    expect(wsCloseCode(new ApiError('SERVICE_UNAVAILABLE', 'busy'))).toBe(1013);
  });

  it('lets only the newest check decide when revocations follow each other', async () => {
    revocations.announce({ kind: 'user', userId: 7 });
    live.deliver(() => sent.push('held'));
    revocations.announce({ kind: 'credential', id: 'jti-ada' });
    expect(checks).toHaveLength(2);
    // The older check passes late: it read the state before the second revocation and decides nothing.
    checks[0]!.resolve(ada);
    await settle();
    expect(sent).toEqual([]);
    checks[1]!.reject(new ApiError('UNAUTHORIZED', 'invalid jwt credentials'));
    await settle();
    expect(sent).toEqual([]);
    expect(ended).toHaveLength(1);
  });

  it('stops listening when closed, and a check still running then decides nothing', async () => {
    revocations.announce({ kind: 'any' });
    live.close();
    expect(revocations.listenerCount('revoked')).toBe(0);
    checks[0]!.reject(new ApiError('UNAUTHORIZED', 'gone'));
    await settle();
    expect(ended).toEqual([]);
  });
});

describe('closeReason', () => {
  it('keeps a short message and cuts a long one to 123 bytes at a character boundary', () => {
    expect(closeReason('invalid jwt credentials')).toBe('invalid jwt credentials');
    const long = closeReason('é'.repeat(100));
    expect(Buffer.byteLength(long)).toBe(122);
    expect(long).toBe('é'.repeat(61));
  });
});

describe('Revocations.watch', () => {
  it('keeps telling the other watchers when one throws, and the announcing write does not fail', async () => {
    const db = new Database(':memory:');
    const revocations = new Revocations(db);
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    const stops = [
      revocations.watch(() => {
        throw new Error('broken re-check');
      }),
    ];
    const seen: unknown[] = [];
    stops.push(revocations.watch((r) => seen.push(r)));
    expect(() => revocations.announce({ kind: 'user', userId: 1 })).not.toThrow();
    expect(seen).toEqual([{ kind: 'user', userId: 1 }]);
    expect((await warned).message).toBe('broken re-check');
    for (const stop of stops) stop();
    expect(revocations.listenerCount('revoked')).toBe(0);
    db.close();
  });
});

describe('Revocations.sync', () => {
  it("announces {kind: 'any'} once per commit of another connection, never for its own", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-revocations-'));
    const file = join(dir, 'hub.db');
    const hub = new Database(file);
    const cli = new Database(file);
    try {
      hub.exec('CREATE TABLE t (x)');
      const revocations = new Revocations(hub);
      const seen: unknown[] = [];
      revocations.on('revoked', (r) => seen.push(r));
      hub.exec('INSERT INTO t VALUES (1)');
      revocations.sync();
      expect(seen).toEqual([]);
      cli.exec('INSERT INTO t VALUES (2)');
      revocations.sync();
      revocations.sync();
      expect(seen).toEqual([{ kind: 'any' }]);
    } finally {
      cli.close();
      hub.close();
      rmSync(dir, { recursive: true });
    }
  });
});
