import { describe, expect, it } from 'vitest';
import { ExportSlots } from '../../../hub/export/export-slots.js';

describe('ExportSlots', () => {
  it('runs up to the bound at once, queues up to its bound in arrival order, and refuses beyond', async () => {
    const slots = new ExportSlots(2, 2);
    const first = await slots.acquire()!;
    const second = await slots.acquire()!;
    const started: string[] = [];
    const third = slots.acquire()!.then((release) => (started.push('third'), release));
    const fourth = slots.acquire()!.then((release) => (started.push('fourth'), release));
    expect(slots.load).toEqual({ running: 2, queued: 2 });
    expect(slots.acquire()).toBeNull();

    first();
    const releaseThird = await third;
    expect(started).toEqual(['third']);
    expect(slots.load).toEqual({ running: 2, queued: 1 });

    second();
    const releaseFourth = await fourth;
    expect(started).toEqual(['third', 'fourth']);
    releaseThird();
    releaseFourth();
    expect(slots.load).toEqual({ running: 0, queued: 0 });
  });

  it('counts a slot given back twice once', async () => {
    const slots = new ExportSlots(1, 0);
    const release = await slots.acquire()!;
    expect(slots.acquire()).toBeNull();
    release();
    release();
    expect(slots.load).toEqual({ running: 0, queued: 0 });
    const again = await slots.acquire()!;
    expect(slots.load.running).toBe(1);
    expect(slots.acquire()).toBeNull();
    again();
  });
});
