import { describe, expect, it } from 'vitest';
import { OfflineQueues } from '../../../hub/broker/offline-queues.js';

const packet = (n: number, bytes = 10) => ({ topic: 't', payload: Buffer.alloc(bytes - 1, n), brokerId: 'b', brokerCounter: n, qos: 1 });
const drain = async (q: OfflineQueues, id: string) => {
  const out: number[] = [];
  for await (const p of q.outgoingStream({ id })) out.push((p as { brokerCounter: number }).brokerCounter);
  return out;
};

describe('OfflineQueues (persistent-session queues)', () => {
  it('keeps the newest maxMessages, dropping the oldest and reporting how many', async () => {
    const dropped: [string, number][] = [];
    const q = new OfflineQueues({ maxMessages: 3, maxBytes: 1e6 }, (id, n) => dropped.push([id, n]));
    for (let n = 1; n <= 5; n++) await q.outgoingEnqueueCombi([{ clientId: 'a' }, { clientId: 'b' }], packet(n));
    expect(await drain(q, 'a')).toEqual([3, 4, 5]);
    expect(await drain(q, 'b')).toEqual([3, 4, 5]);
    expect(dropped).toEqual([['a', 1], ['b', 1], ['a', 1], ['b', 1]]);
  });

  it('keeps at most maxBytes of topics and payloads, but always the newest message', async () => {
    let lost = 0;
    const q = new OfflineQueues({ maxMessages: 100, maxBytes: 25 }, (_id, n) => (lost += n));
    for (let n = 1; n <= 4; n++) await q.outgoingEnqueue({ clientId: 'a' }, packet(n, 10));
    expect(await drain(q, 'a')).toEqual([3, 4]);
    await q.outgoingEnqueue({ clientId: 'a' }, packet(9, 100));
    expect(await drain(q, 'a')).toEqual([9]);
    expect(lost).toBe(4);
  });

  it('records the messageId a message went out with, and a PUBACK takes it out of the queue and the byte count', async () => {
    const q = new OfflineQueues({ maxMessages: 100, maxBytes: 20 }, () => undefined);
    await q.outgoingEnqueue({ clientId: 'a' }, packet(1));
    await q.outgoingUpdate({ id: 'a' }, { ...packet(1), messageId: 7 });
    expect(await q.outgoingClearMessageId({ id: 'a' }, { messageId: 7 })).toMatchObject({ brokerCounter: 1, messageId: 7 });
    expect(await drain(q, 'a')).toEqual([]);
    // The cleared bytes are free again: two 10-byte messages fit in 20.
    await q.outgoingEnqueue({ clientId: 'a' }, packet(2));
    await q.outgoingEnqueue({ clientId: 'a' }, packet(3));
    expect(await drain(q, 'a')).toEqual([2, 3]);
  });

  it('does not fail an update for a message the bound dropped meanwhile (aedes would disconnect the client)', async () => {
    const q = new OfflineQueues({ maxMessages: 1, maxBytes: 1e6 }, () => undefined);
    await q.outgoingEnqueue({ clientId: 'a' }, packet(1));
    await q.outgoingEnqueue({ clientId: 'a' }, packet(2));
    await expect(q.outgoingUpdate({ id: 'a' }, { ...packet(1), messageId: 5 })).resolves.toBeUndefined();
    q.forget('a');
    expect(await drain(q, 'a')).toEqual([]);
  });
});
