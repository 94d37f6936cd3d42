import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Outbox } from '../../../agent/outbox/outbox.js';
import { SendOrder, type NextSend } from '../../../agent/publish/send-order.js';

const T0 = 1_760_000_000_000;
const outbox = () => Outbox.open(join(mkdtempSync(join(tmpdir(), 'kcloud-order-')), 'outbox.db'), { maxBytes: 1e6, maxAgeMs: 86_400_000 }, T0);
const add = (box: Outbox, n: number) => Array.from({ length: n }, () => box.enqueue(T0, (seq) => Buffer.from(String(seq))));
const seqOf = (n: NextSend) => (n && 'row' in n ? n.row.seq : n);

/** Takes rows until the order has nothing to send at `now`; returns their seqs and what stopped it. */
function drain(order: SendOrder, now: number): { seqs: number[]; stop: NextSend } {
  const seqs: number[] = [];
  for (;;) {
    const n = order.next(now);
    if (!n || 'waitMs' in n) return { seqs, stop: n };
    seqs.push(n.row.seq);
  }
}

describe('SendOrder', () => {
  it('sends batches committed after the connect first, then the backlog oldest-first at the replay rate', () => {
    const box = outbox();
    const backlog = add(box, 6);
    const order = new SendOrder(box, 2, T0);
    order.restart();
    const live = add(box, 3);

    // Burst of 2 backlog tokens at the start, then 1 every 500 ms.
    expect(drain(order, T0)).toEqual({ seqs: [...live, backlog[0], backlog[1]], stop: { waitMs: 500 } });
    expect(drain(order, T0 + 250)).toEqual({ seqs: [], stop: { waitMs: 250 } });
    expect(drain(order, T0 + 500).seqs).toEqual([backlog[2]]);
    // New live batches overtake the rest of the backlog.
    const later = add(box, 2);
    expect(drain(order, T0 + 500)).toEqual({ seqs: later, stop: { waitMs: 500 } });
    // An idle second and a half refills the bucket to its burst of 2, no more.
    expect(drain(order, T0 + 2000)).toEqual({ seqs: backlog.slice(3, 5), stop: { waitMs: 500 } });
    expect(drain(order, T0 + 2500)).toEqual({ seqs: backlog.slice(5), stop: null });
    expect(order.next(T0 + 5000)).toBeNull();
    box.close();
  });

  it('resends on the next connection whatever was not acked, skipping acked rows', () => {
    const box = outbox();
    const first = add(box, 4);
    const order = new SendOrder(box, 100, T0);
    order.restart();
    expect(drain(order, T0).seqs).toEqual(first);
    // Only the first two PUBACKs came back before the link dropped.
    box.ack(first[0]!);
    box.ack(first[1]!);
    const during = add(box, 1);
    order.restart();
    expect(drain(order, T0 + 1000).seqs).toEqual([first[2], first[3], during[0]]);
    box.close();
  });

  it('reads no row once the backlog is drained and every live batch is out, until a new batch or connection', () => {
    const box = outbox();
    const backlog = add(box, 2);
    const order = new SendOrder(box, 100, T0);
    order.restart();
    const live = add(box, 1);
    expect(drain(order, T0).seqs).toEqual([...live, ...backlog]);
    const reads = vi.spyOn(box, 'nextBatch');
    // PUBACKs and new batches call next() while the last batch is in flight: nothing to send, nothing read.
    expect(order.next(T0)).toBeNull();
    expect(order.next(T0 + 1000)).toBeNull();
    expect(reads).not.toHaveBeenCalled();
    const more = add(box, 1);
    expect(drain(order, T0 + 2000).seqs).toEqual(more);
    expect(reads).toHaveBeenCalledTimes(1);
    // A new connection sends again what was not acked, backlog included.
    order.restart();
    expect(drain(order, T0 + 3000).seqs).toEqual([...backlog, ...live, ...more]);
    box.close();
  });

  it('sends nothing when the outbox is empty', () => {
    const box = outbox();
    const order = new SendOrder(box, 10, T0);
    order.restart();
    expect(seqOf(order.next(T0))).toBeNull();
    box.close();
  });
});
