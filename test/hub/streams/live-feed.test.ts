import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { LiveFeed, type TriggerSource } from '../../../hub/streams/live-feed.js';

/** Stands in for the ingest bus: `emit('samples')` is a stored batch. */
function fakeBus() {
  const bus = new EventEmitter();
  const source: TriggerSource = (trigger) => {
    bus.on('samples', trigger);
    return () => bus.off('samples', trigger);
  };
  return { bus, source };
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('LiveFeed', () => {
  it('computes once per event-loop turn however many batches arrived in it, and hands that value to every subscriber', async () => {
    const { bus, source } = fakeBus();
    let n = 0;
    const compute = vi.fn(() => ({ n: ++n }));
    const feed = new LiveFeed(source, compute, (err) => {
      throw err;
    });
    const a: { n: number }[] = [];
    const b: { n: number }[] = [];
    feed.subscribe((v) => a.push(v));
    feed.subscribe((v) => b.push(v));
    for (let i = 0; i < 3; i++) bus.emit('samples');
    // Nothing is computed inside the turn that brought the batches (the bus handlers must run first).
    expect(compute).not.toHaveBeenCalled();
    await nextTurn();
    expect(compute).toHaveBeenCalledTimes(1);
    expect(a).toEqual([{ n: 1 }]);
    // The very same object for both: computed once, fanned out.
    expect(b[0]).toBe(a[0]);

    bus.emit('samples');
    await nextTurn();
    bus.emit('samples');
    await nextTurn();
    expect(compute).toHaveBeenCalledTimes(3);
    expect(a.map((v) => v.n)).toEqual([1, 2, 3]);
    feed.stop();
  });

  it('computes nothing without new data, and listens to the bus only while it has subscribers', async () => {
    const { bus, source } = fakeBus();
    const compute = vi.fn(() => 1);
    const feed = new LiveFeed(source, compute, () => {});
    expect(bus.listenerCount('samples')).toBe(0);
    const leaveA = feed.subscribe(() => {});
    const leaveB = feed.subscribe(() => {});
    expect(bus.listenerCount('samples')).toBe(1);
    expect(feed.active).toBe(true);
    await nextTurn();
    expect(compute).not.toHaveBeenCalled();

    leaveA();
    expect(bus.listenerCount('samples')).toBe(1);
    bus.emit('samples');
    // The last subscriber leaves before the scheduled computation runs: it is dropped.
    leaveB();
    expect(bus.listenerCount('samples')).toBe(0);
    expect(feed.active).toBe(false);
    await nextTurn();
    expect(compute).not.toHaveBeenCalled();

    // A new subscriber starts it again.
    const got: number[] = [];
    feed.subscribe((v) => got.push(v));
    bus.emit('samples');
    await nextTurn();
    expect(got).toEqual([1]);
    feed.stop();
    expect(bus.listenerCount('samples')).toBe(0);
  });

  it('keeps serving the others when a subscriber throws, and reports a failed computation', async () => {
    const { bus, source } = fakeBus();
    const errors: unknown[] = [];
    let fail = false;
    const feed = new LiveFeed(
      source,
      () => {
        if (fail) throw new Error('compute failed');
        return 7;
      },
      (err) => errors.push(err),
    );
    const ok = vi.fn();
    feed.subscribe(() => {
      throw new Error('boom');
    });
    feed.subscribe(ok);
    bus.emit('samples');
    await nextTurn();
    expect(ok).toHaveBeenCalledWith(7);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
    fail = true;
    bus.emit('samples');
    await nextTurn();
    expect(ok).toHaveBeenCalledTimes(1);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'compute failed']);
    feed.stop();
  });
});
