import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openHubDb, type HubDb } from '../../../hub/core/db.js';
import { transactionRunner } from '../../../hub/core/transaction-runner.js';
import { commitGroup, type CommitDeps } from '../../../hub/ingest/commit.js';
import { SeqLedger } from '../../../hub/ingest/dedupe.js';
import { NodeStateWriter } from '../../../hub/ingest/node-state.js';
import { SampleRefusals } from '../../../hub/ingest/refusals.js';
import type { Accepted, NodeRef } from '../../../hub/ingest/types.js';
import { openTsdb, type Tsdb } from '../../../hub/tsdb/store.js';
import { storedSeqs } from '../../helpers/ledger.js';

let open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open) o.close();
  open = [];
});

function stores(): { db: HubDb; tsdb: Tsdb; deps: CommitDeps; nodes: NodeRef[] } {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-commit-'));
  const db = openHubDb(join(dir, 'hub.db'));
  const tsdb = openTsdb(join(dir, 'tsdb.db'));
  open.push(tsdb, db);
  const nodes = ['n1', 'n2'].map((name) => ({ id: Number(db.prepare("INSERT INTO nodes (name, cluster, password_hash, created_at) VALUES (?, 'lab', 'x', 0)").run(name).lastInsertRowid), name, cluster: 'lab' }));
  const deps = { inTransaction: transactionRunner(db), writer: tsdb, ledger: new SeqLedger(db), state: new NodeStateWriter(db), refusals: new SampleRefusals() };
  return { db, tsdb, deps, nodes };
}

const NOW = Date.now();
const bounds = { earliest: NOW - 86_400_000, latest: NOW + 60_000 };
const batch = (node: NodeRef, seq: number): Accepted => ({
  kind: 'telemetry',
  node,
  msg: { v: 1, cluster: node.cluster, node: node.name, seq, ts: NOW - seq, samples: [{ metric: 'gpu_power_watts', labels: { gpu: '0' }, value: seq }] },
});

/** Facts nested `depth` arrays deep, built directly: the decoder refuses such a payload, so this is a message that fails inside the commit. */
function deepInventory(node: NodeRef, depth: number): Accepted {
  let facts: unknown = [];
  for (let i = 0; i < depth; i++) facts = [facts];
  return { kind: 'inventory', node, msg: { v: 1, cluster: node.cluster, node: node.name, ts: NOW, inventory: { host: facts } } };
}

describe('group commit isolation (issue 14, item 6)', () => {
  it("refuses only the message that fails its commit: the other node's batches in the group are stored and recorded", () => {
    const { db, tsdb, deps, nodes } = stores();
    const [n1, n2] = nodes as [NodeRef, NodeRef];
    // The inventory's canonical JSON recurses per level: 50 000 levels overflow the stack inside the hub.db transaction.
    const items = [batch(n2, 1), deepInventory(n1, 50_000), batch(n2, 2), batch(n2, 3)];
    const results = commitGroup(items, deps, NOW, bounds);
    expect(results.map((r) => r.status)).toEqual(['stored', 'rejected', 'stored', 'stored']);
    expect(results[1]).toMatchObject({ status: 'rejected', rejection: { reason: 'unprocessable' } });
    expect(storedSeqs(db, 'n2')).toEqual(new Set([1, 2, 3]));
    expect(db.prepare('SELECT last_seq AS seq, batches FROM nodes WHERE id = ?').get(n2.id)).toEqual({ seq: 3, batches: 3 });
    expect(db.prepare('SELECT count(*) AS n FROM inventory').get()).toEqual({ n: 0 });
    const [series] = tsdb.findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'n2' }]);
    expect([...tsdb.readSamples(series!.id, 0, 2e13).values].sort()).toEqual([1, 2, 3]);
    // The ledger held in memory agrees with the table after the retry: seq 2 is a duplicate now.
    expect(commitGroup([batch(n2, 2)], deps, NOW, bounds)).toEqual([{ status: 'duplicate' }]);
  });

  it('refuses only the batch that fails the store write: the others are written again without it', () => {
    const { db, tsdb, deps, nodes } = stores();
    const [n1, n2] = nodes as [NodeRef, NodeRef];
    // A label that throws when read fails the store's transaction for the whole group.
    const poison = batch(n1, 1);
    if (poison.kind !== 'telemetry') throw new Error('telemetry expected');
    Object.defineProperty(poison.msg.samples[0]!.labels, 'uuid', { enumerable: true, get: () => { throw new Error('unreadable label'); } });
    const results = commitGroup([batch(n2, 1), poison, batch(n2, 2)], deps, NOW, bounds);
    expect(results.map((r) => r.status)).toEqual(['stored', 'rejected', 'stored']);
    expect(results[1]).toMatchObject({ rejection: { reason: 'unprocessable', message: expect.stringContaining('unreadable label') } });
    expect(storedSeqs(db, 'n2')).toEqual(new Set([1, 2]));
    expect(storedSeqs(db, 'n1').size).toBe(0);
    const [series] = tsdb.findSeries('gpu_power_watts', [{ label: 'node', op: '=', value: 'n2' }]);
    expect([...tsdb.readSamples(series!.id, 0, 2e13).values].sort()).toEqual([1, 2]);
    expect(results[0]).toMatchObject({ rows: [{ seriesId: series!.id }] });
  });

  it('a poisoned message alone in its group is refused (acknowledged), not failed (resent forever)', () => {
    const { deps, nodes } = stores();
    expect(commitGroup([deepInventory(nodes[0]!, 50_000)], deps, NOW, bounds)).toEqual([
      { status: 'rejected', rejection: expect.objectContaining({ reason: 'unprocessable' }) },
    ]);
  });

  it('still fails the whole group, unacknowledged, when the database itself fails', () => {
    const { db, deps, nodes } = stores();
    db.close();
    expect(() => commitGroup([batch(nodes[1]!, 1)], deps, NOW, bounds)).toThrow(/not open/);
  });
});
