import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../../agent/outbox/outbox.js';
import { REPO } from '../../helpers/spawn-agent.js';

const DAY = 86_400_000;
const T0 = 1_760_000_000_000; // 2025-10-09T08:53:20Z
const roomy = { maxBytes: 1e6, maxAgeMs: DAY };
const file = () => join(mkdtempSync(join(tmpdir(), 'kcloud-outbox-')), 'outbox.db');
/** A payload that carries its seq, padded to `size` bytes. */
const payload = (size = 30) => (seq: number) => Buffer.from(JSON.stringify({ seq }).padEnd(size, ' '));
const seqsOf = (box: Outbox) => box.nextBatch(0, 1000).map((r) => r.seq);

const open: Outbox[] = [];
const track = (box: Outbox) => (open.push(box), box);
afterEach(() => {
  for (const b of open.splice(0)) {
    try {
      b.close();
    } catch {
      // already closed by the test
    }
  }
});

describe('Outbox', () => {
  it('numbers a new file from its creation time in ms and keeps batches, oldest first, until acked', () => {
    const box = track(Outbox.open(file(), roomy, T0));
    const a = box.enqueue(T0, payload());
    const b = box.enqueue(T0 + 1000, payload());
    const c = box.enqueue(T0 + 2000, payload());
    expect([a, b, c]).toEqual([T0, T0 + 1, T0 + 2]);
    expect(JSON.parse(box.nextBatch(0, 1)[0]!.payload.toString())).toEqual({ seq: T0 });
    expect(box.nextBatch(a, 10).map((r) => [r.seq, r.ts])).toEqual([
      [b, T0 + 1000],
      [c, T0 + 2000],
    ]);
    expect(box.stats()).toEqual({ depth: 3, bytes: 90, dropped: 0, oldestTs: T0 });

    expect(box.ack(b)).toBe(true);
    expect(box.ack(b)).toBe(false);
    expect(seqsOf(box)).toEqual([a, c]);
    expect(box.ack(a)).toBe(true);
    expect(box.stats()).toEqual({ depth: 1, bytes: 30, dropped: 0, oldestTs: T0 + 2000 });
    expect(box.nextSeq()).toBe(T0 + 3);
  });

  it('continues the sequence after reopening, even with everything acked and a later clock', () => {
    const f = file();
    const box = Outbox.open(f, roomy, T0);
    const a = box.enqueue(T0, payload());
    box.enqueue(T0, payload());
    box.ack(a);
    box.ack(a + 1);
    box.close();
    const again = track(Outbox.open(f, roomy, T0 + DAY));
    expect(again.stats()).toMatchObject({ depth: 0, bytes: 0 });
    expect(again.enqueue(T0 + DAY, payload())).toBe(a + 2);
  });

  it('reloads waiting batches, their bytes and the next seq when reopened', () => {
    const f = file();
    const box = Outbox.open(f, roomy, T0);
    for (let i = 0; i < 4; i++) box.enqueue(T0 + i, payload(30));
    box.ack(T0 + 1);
    box.close();
    const again = track(Outbox.open(f, roomy));
    expect(again.stats()).toEqual({ depth: 3, bytes: 90, dropped: 0, oldestTs: T0 });
    expect(seqsOf(again)).toEqual([T0, T0 + 2, T0 + 3]);
    expect(again.nextSeq()).toBe(T0 + 4);
  });

  it('never re-uses a seq after the data directory is wiped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-outbox-'));
    const f = join(dir, 'outbox.db');
    const box = Outbox.open(f, roomy, T0);
    let last = 0;
    // A minute of batches at one per second...
    for (let i = 0; i < 60; i++) last = box.enqueue(T0 + i * 1000, payload());
    box.close();
    rmSync(dir, { recursive: true });
    // ...and the wiped agent starts a minute later: its first seq is past the old ones.
    const fresh = track(Outbox.open(join(mkdtempSync(join(tmpdir(), 'kcloud-outbox-')), 'outbox.db'), roomy, T0 + 60_000));
    const first = fresh.enqueue(T0 + 60_000, payload());
    expect(last).toBe(T0 + 59);
    expect(first).toBe(T0 + 60_000);
  });

  it('drops the oldest batches beyond the byte bound and counts them across reopening', () => {
    const f = file();
    const box = Outbox.open(f, { maxBytes: 250, maxAgeMs: DAY }, T0);
    const seqs = Array.from({ length: 15 }, (_, i) => box.enqueue(T0 + i, payload(50)));
    expect(box.stats()).toEqual({ depth: 5, bytes: 250, dropped: 10, oldestTs: T0 + 10 });
    expect(seqsOf(box)).toEqual(seqs.slice(10));
    box.close();
    const again = track(Outbox.open(f, { maxBytes: 250, maxAgeMs: DAY }));
    expect(again.stats()).toEqual({ depth: 5, bytes: 250, dropped: 10, oldestTs: T0 + 10 });
    again.enqueue(T0 + 20, payload(50));
    expect(again.stats().dropped).toBe(11);
    expect(seqsOf(again)[0]).toBe(seqs[11]);
  });

  it('drops batches older than the age bound, oldest first, and counts them', () => {
    const box = track(Outbox.open(file(), { maxBytes: 1e6, maxAgeMs: 60_000 }, T0));
    const old = box.enqueue(T0, payload());
    const mid = box.enqueue(T0 + 30_000, payload());
    expect(seqsOf(box)).toEqual([old, mid]);
    // A batch committed 61 s after the first pushes the first out.
    const fresh = box.enqueue(T0 + 61_000, payload());
    expect(seqsOf(box)).toEqual([mid, fresh]);
    expect(box.stats().dropped).toBe(1);
    // The periodic check drops by age with no new batch.
    expect(box.enforceLimits(T0 + 100_000)).toBe(1);
    expect(seqsOf(box)).toEqual([fresh]);
    expect(box.stats()).toMatchObject({ depth: 1, bytes: 30, dropped: 2, oldestTs: T0 + 61_000 });
  });

  it('keeps every committed batch when the process is killed with SIGKILL', () => {
    const f = file();
    // A child commits 200 batches and kills itself without closing the database.
    const script = `
      import { Outbox } from ${JSON.stringify(join(REPO, 'agent/outbox/outbox.ts'))};
      const box = Outbox.open(${JSON.stringify(f)}, { maxBytes: 1e9, maxAgeMs: 864e5 });
      for (let i = 0; i < 200; i++) box.enqueue(Date.now(), (seq) => Buffer.from(String(seq)));
      process.kill(process.pid, 'SIGKILL');
    `;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
    expect(res.signal, res.stderr).toBe('SIGKILL');
    const box = track(Outbox.open(f, roomy));
    const rows = box.nextBatch(0, 1000);
    expect(rows).toHaveLength(200);
    expect(rows.every((r, i) => r.payload.toString() === String(rows[0]!.seq + i))).toBe(true);
    expect(box.nextSeq()).toBe(rows[0]!.seq + 200);
  });
});
