import { describe, expect, it } from 'vitest';
import { EventRing, type StreamEvent } from '../../../hub/streams/event-ring.js';

const all = () => true;

describe('EventRing', () => {
  it('numbers events from the first id and replays those after an id', () => {
    const ring = new EventRing(10, 5000);
    for (let i = 0; i < 4; i++) ring.append({ event: 'power_update', data: i, intervalMs: i % 2 ? 1000 : 5000 });
    expect(ring.after(5001, all).map((e) => [e.id, e.data])).toEqual([
      [5002, 2],
      [5003, 3],
    ]);
    expect(ring.after(5001, (e) => e.intervalMs === 1000).map((e) => e.id)).toEqual([5003]);
    // An id newer than anything held replays nothing; one older than the ring replays all it still has.
    expect(ring.after(9999, all)).toEqual([]);
    expect(ring.after(0, all)).toHaveLength(4);
  });

  it('keeps only the newest events', () => {
    const ring = new EventRing(3, 1);
    for (let i = 0; i < 10; i++) ring.append({ event: 'threshold_exceeded', data: i });
    expect(ring.size).toBe(3);
    expect(ring.after(0, all).map((e) => e.id)).toEqual([8, 9, 10]);
    expect(ring.after(8, all).map((e) => e.id)).toEqual([9, 10]);
  });

  it('hands new events to subscribers until they leave', () => {
    const ring = new EventRing(3, 1);
    const got: StreamEvent[] = [];
    const leave = ring.subscribe((e) => got.push(e));
    ring.append({ event: 'threshold_exceeded', data: 'a' });
    leave();
    ring.append({ event: 'threshold_exceeded', data: 'b' });
    expect(got.map((e) => e.data)).toEqual(['a']);
  });
});
