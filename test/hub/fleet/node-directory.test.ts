import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HubBus } from '../../../hub/bus.js';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { NodeDirectory } from '../../../hub/fleet/node-directory.js';
import { NodeStore } from '../../../hub/identity/nodes.js';
import { NodeStateWriter } from '../../../hub/ingest/node-state.js';
import { MESSAGE_VERSION } from '../../../shared/schema/message.js';

describe('NodeDirectory', () => {
  let db: HubDb;
  let dir: NodeDirectory;
  afterEach(() => {
    dir?.close();
    db?.close();
  });

  it('loads nodes with their state and latest inventory from hub.db, then follows the bus', async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-nodedir-')), 'hub.db'));
    const nodes = new NodeStore(db);
    const a = await nodes.add('gpu-a', 'prod', 'pw');
    await nodes.add('gpu-b', 'dev', 'pw');
    const writer = new NodeStateWriter(db);
    const header = { v: MESSAGE_VERSION, cluster: 'prod', node: 'gpu-a' } as const;
    writer.inventory(a.id, { ...header, ts: 1, inventory: { host: { cores: 8 } } }, 10);
    writer.inventory(a.id, { ...header, ts: 2, inventory: { host: { cores: 16 } } }, 20);
    writer.status(a.id, { ...header, ts: 3, state: 'online', agentVersion: '1.2.3', sources: { gpu: { enabled: true, reason: 'nvidia-smi found', lastSampleTs: null, errors: 0 } } }, 30);

    const bus = new HubBus();
    dir = new NodeDirectory(db, bus, 60_000);
    expect(dir.clusters()).toEqual(['dev', 'prod']);
    expect(dir.list({ cluster: 'dev' }).map((n) => n.name)).toEqual(['gpu-b']);
    const view = dir.get('gpu-a')!;
    expect(view).toMatchObject({ state: 'online', agentVersion: '1.2.3', inventory: { host: { cores: 16 } }, inventoryTs: 2 });
    expect(view.sources.gpu?.enabled).toBe(true);
    expect(dir.get('gpu-b')).toMatchObject({ state: 'unknown', inventory: {}, inventoryTs: null });

    const node = { id: a.id, name: 'gpu-a', cluster: 'prod' };
    bus.emit('node-status', { node, status: { ...header, ts: 4, state: 'offline' }, receivedAt: 40 });
    bus.emit('inventory', { node, inventory: { host: { cores: 32 } }, ts: 5, changed: true });
    expect(dir.get('gpu-a')).toMatchObject({ state: 'offline', stateTs: 40, inventory: { host: { cores: 32 } } });
  });

  it('drops a node removed from hub.db on reload and tells the listeners', async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-nodedir-')), 'hub.db'));
    const nodes = new NodeStore(db);
    await nodes.add('gpu-a', 'prod', 'pw');
    dir = new NodeDirectory(db, new HubBus(), 60_000);
    const removed: string[] = [];
    dir.onRemoved((n) => removed.push(n));
    nodes.remove('gpu-a');
    dir.reload();
    expect(dir.get('gpu-a')).toBeNull();
    expect(removed).toEqual(['gpu-a']);
  });

  it('picks up a node added by the CLI when its first samples arrive', async () => {
    db = openHubDb(join(mkdtempSync(join(tmpdir(), 'kcloud-nodedir-')), 'hub.db'));
    const bus = new HubBus();
    dir = new NodeDirectory(db, bus, 60_000);
    const added = await new NodeStore(db).add('gpu-new', 'prod', 'pw');
    expect(dir.get('gpu-new')).toBeNull();
    bus.emit('samples', { node: { id: added.id, name: 'gpu-new', cluster: 'prod' }, seq: 1, rows: [] });
    expect(dir.get('gpu-new')?.cluster).toBe('prod');
  });
});
