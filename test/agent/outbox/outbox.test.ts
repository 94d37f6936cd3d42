import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../../agent/outbox/outbox.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'kcloud-outbox-')), 'outbox.db');
const payload = (seq: number, size = 10) => Buffer.from(JSON.stringify({ seq }).padEnd(size, ' '));
const DAY = 86_400_000;

describe('outbox', () => {
  it('hands out increasing seqs starting at the current time, and keeps batches until acked', () => {
    const before = Date.now();
    const box = new Outbox(file(), { maxBytes: 1e6, maxAgeMs: DAY });
    const a = box.enqueue(Date.now(), payload);
    const b = box.enqueue(Date.now(), payload);
    expect(a).toBeGreaterThanOrEqual(before * 1000);
    expect(b).toBe(a + 1);
    expect(box.after(0, 10).map((r) => r.seq)).toEqual([a, b]);
    expect(JSON.parse(box.after(0, 1)[0]!.payload.toString())).toEqual({ seq: a });
    expect(box.ack(a)).toBe(true);
    expect(box.ack(a)).toBe(false);
    expect(box.stats()).toMatchObject({ depth: 1, dropped: 0 });
    box.close();
  });

  it('keeps the sequence across reopening, even when everything was acked', () => {
    const f = file();
    let box = new Outbox(f, { maxBytes: 1e6, maxAgeMs: DAY });
    const a = box.enqueue(Date.now(), payload);
    box.ack(a);
    box.close();
    box = new Outbox(f, { maxBytes: 1e6, maxAgeMs: DAY });
    expect(box.enqueue(Date.now(), payload)).toBe(a + 1);
    box.close();
  });

  it('never reuses a seq after the data directory is wiped', async () => {
    const f = file();
    let box = new Outbox(f, { maxBytes: 1e6, maxAgeMs: DAY });
    let last = 0;
    for (let i = 0; i < 50; i++) last = box.enqueue(Date.now(), payload);
    box.close();
    rmSync(f);
    box = new Outbox(f, { maxBytes: 1e6, maxAgeMs: DAY });
    expect(box.enqueue(Date.now(), payload)).toBeGreaterThan(last);
    box.close();
  });

  it('drops the oldest batches beyond the byte bound and counts them persistently', () => {
    const f = file();
    let box = new Outbox(f, { maxBytes: 250, maxAgeMs: DAY });
    const seqs = Array.from({ length: 15 }, () => box.enqueue(Date.now(), (s) => payload(s, 50)));
    expect(box.stats().bytes).toBe(250);
    expect(box.stats().depth).toBe(5);
    expect(box.stats().dropped).toBe(10);
    expect(box.after(0, 100).map((r) => r.seq)).toEqual(seqs.slice(10));
    box.close();
    box = new Outbox(f, { maxBytes: 250, maxAgeMs: DAY });
    expect(box.stats()).toMatchObject({ depth: 5, dropped: 10, bytes: 250 });
    box.close();
  });

  it('drops batches older than the age bound', () => {
    const box = new Outbox(file(), { maxBytes: 1e6, maxAgeMs: 60_000 });
    const now = Date.now();
    box.enqueue(now - 120_000, payload);
    const fresh = box.enqueue(now, payload);
    expect(box.enforceLimits(now)).toBe(0);
    expect(box.after(0, 10).map((r) => r.seq)).toEqual([fresh]);
    expect(box.stats().dropped).toBe(1);
    box.close();
  });
});
