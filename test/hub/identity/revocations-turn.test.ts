import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { revocationsOf, type Revocation } from '../../../hub/identity/revocations.js';
import { UserStore } from '../../../hub/identity/users.js';

describe('Revocations.syncOncePerTurn', () => {
  let file: string;
  let db: HubDb;
  let cli: HubDb;
  beforeEach(() => {
    file = join(mkdtempSync(join(tmpdir(), 'kcloud-revocations-turn-')), 'hub.db');
    db = openHubDb(file);
    cli = openHubDb(file);
  });
  afterEach(() => {
    cli.close();
    db.close();
  });

  it('looks at hub.db once per event-loop turn, and the next turn sees a commit of another connection', async () => {
    const bus = revocationsOf(db);
    const made = await new UserStore(cli).add('cli-made', 'viewer', 'a-password-1');
    await nextTurn();
    bus.sync();
    const seen: Revocation[] = [];
    const stop = bus.watch((r) => seen.push(r));
    try {
      bus.syncOncePerTurn();
      new UserStore(cli).update(made.id, { disabled: true });
      // Still the turn that looked first: no second look.
      bus.syncOncePerTurn();
      expect(seen).toEqual([]);
      await nextTurn();
      bus.syncOncePerTurn();
      expect(seen).toEqual([{ kind: 'any' }]);
    } finally {
      stop();
    }
  });
});
