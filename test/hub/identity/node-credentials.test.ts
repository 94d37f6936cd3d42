import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHubConfig } from '../../../hub/config.js';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { Authenticator } from '../../../hub/identity/authenticator.js';
import { createLogins } from '../../../hub/identity/logins.js';
import { isMachineDigest, nodeCredentialKey } from '../../../hub/identity/machine-credentials.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { keyring, SecretStore } from '../../../hub/identity/secrets.js';
import { UserStore } from '../../../hub/identity/users.js';
import { writeHubConfig } from '../../helpers/hub.js';
import { memoryLogger } from '../../helpers/logger.js';

describe('node credentials as keyed hashes', () => {
  let dir: string;
  let db: HubDb;
  let key: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kcloud-node-cred-'));
    db = openHubDb(join(dir, 'hub.db'));
    key = nodeCredentialKey(new SecretStore(db, keyring(dir, {})));
  });
  afterAll(() => db.close());

  it('keeps one key in the secrets box, encrypted, across restarts', () => {
    expect(nodeCredentialKey(new SecretStore(db, keyring(dir, {})))).toEqual(key);
    const stored = (db.prepare("SELECT ciphertext FROM secrets WHERE name = 'node-credential-key'").get() as { ciphertext: string }).ciphertext;
    expect(stored).not.toContain(key.toString('base64'));
  });

  it('stores a new node password as HMAC-SHA256 and checks it only with the hub key', async () => {
    const nodes = new NodeStore(db, key);
    await nodes.add('gpu-k1', 'lab', 'k1-secret');
    expect(isMachineDigest(nodes.credential('gpu-k1')!.passwordHash)).toBe(true);
    const auth = new Authenticator(nodes, new UserStore(db), 0, Date.now, { nodeKey: key });
    expect(await auth.authenticate('gpu-k1', 'k1-secret')).toMatchObject({ kind: 'node', name: 'gpu-k1' });
    expect(await auth.authenticate('gpu-k1', 'k1-secret ')).toBeNull();
    const otherKey = new Authenticator(nodes, new UserStore(db), 0, Date.now, { nodeKey: randomBytes(32) });
    expect(await otherKey.authenticate('gpu-k1', 'k1-secret')).toBeNull();
    const noKey = new Authenticator(nodes, new UserStore(db), 0);
    expect(await noKey.authenticate('gpu-k1', 'k1-secret')).toBeNull();
  });
});

describe('node-credential key behind another secret key', () => {
  it('starts without it (null, logged) instead of failing, so users still log in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-node-key-'));
    const db = openHubDb(join(dir, 'hub.db'));
    nodeCredentialKey(new SecretStore(db, keyring(dir, {})));
    const config = loadHubConfig(writeHubConfig(''), {});
    const logs = memoryLogger();
    const otherKey = { KCLOUD_SECRET_KEY: randomBytes(32).toString('base64') };
    const logins = createLogins(db, config.auth, new SecretStore(db, keyring(dir, otherKey)), new Registry(), logs.log);
    expect(logins.nodeKey).toBeNull();
    expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 50, msg: expect.stringMatching(/node-credential key/) }));
    db.close();
  });
});
