import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHubDb } from '../../../hub/core/db.js';
import { startTestHub } from '../../helpers/hub.js';

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('files in dataDir are owner-only', () => {
  let umask: number;
  // The usual default: without the hub's own umask, new files would be 0644.
  beforeEach(() => {
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
  });

  it('creates hub.db, tsdb.db, their WAL files and status.json 0600 in a 0755 dataDir, and warns about the dataDir', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-modes-')), 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const th = await startTestHub({ dataDir });
    try {
      await th.hub.writeState();
      const files = readdirSync(dataDir).filter((f) => statSync(join(dataDir, f)).isFile());
      expect(files).toEqual(expect.arrayContaining(['hub.db', 'hub.db-wal', 'hub.db-shm', 'tsdb.db', 'tsdb.db-wal', 'tsdb.db-shm', 'status.json']));
      expect(Object.fromEntries(files.map((f) => [f, modeOf(join(dataDir, f))]))).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
      const warning = th.logs.lines().find((l) => l.level === 40 && String(l.msg).includes('dataDir'));
      expect(warning).toMatchObject({ dataDir, msg: expect.stringContaining('0755') });
      // The dataDir's own mode is the operator's choice: warned about, not changed.
      expect(modeOf(dataDir)).toBe('755');
    } finally {
      await th.hub.stop();
    }
  });

  it('does not warn about a 0700 dataDir', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'kcloud-modes-')), 'data');
    const th = await startTestHub({ dataDir });
    try {
      expect(modeOf(dataDir)).toBe('700');
      expect(th.logs.lines().filter((l) => l.level === 40 && String(l.msg).includes('dataDir'))).toEqual([]);
    } finally {
      await th.hub.stop();
    }
  });

  it('makes a hub.db and WAL left 0644 by an older hub owner-only when it opens them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kcloud-modes-')), 'hub.db');
    openHubDb(file).close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      writeFileSync(f, '', { flag: 'a' });
      chmodSync(f, 0o644);
    }
    const db = openHubDb(file);
    expect([file, `${file}-wal`, `${file}-shm`].map(modeOf)).toEqual(['600', '600', '600']);
    db.close();
  });
});
