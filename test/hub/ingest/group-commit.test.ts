import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../shared/duration.js';
import { loadHubConfig } from '../../../hub/config.js';
import { GroupCommit } from '../../../hub/ingest/group-commit.js';
import { writeHubConfig } from '../../helpers/hub.js';

describe('GroupCommit', () => {
  it('commits items submitted within the window together and settles each with its own result', async () => {
    const calls: number[][] = [];
    const g = new GroupCommit<number, string>((items) => (calls.push(items), items.map((i) => `r${i}`)), { windowMs: 20, maxItems: 100 });
    const a = g.submit(1);
    const b = g.submit(2);
    await new Promise((r) => setTimeout(r, 5));
    const c = g.submit(3);
    expect(calls).toEqual([]);
    expect(await Promise.all([a, b, c])).toEqual(['r1', 'r2', 'r3']);
    expect(calls).toEqual([[1, 2, 3]]);
    // The next item opens a new window.
    expect(await g.submit(4)).toBe('r4');
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('flushes at once when maxItems are queued', async () => {
    const calls: number[][] = [];
    const g = new GroupCommit<number, number>((items) => (calls.push(items), items), { windowMs: 60_000, maxItems: 3 });
    const all = Promise.all([g.submit(1), g.submit(2), g.submit(3)]);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(await all).toEqual([1, 2, 3]);
  });

  it('with a window of 0 groups what arrives in one event-loop turn', async () => {
    const calls: number[][] = [];
    const g = new GroupCommit<number, number>((items) => (calls.push(items), items), { windowMs: 0, maxItems: 100 });
    const all = Promise.all([g.submit(1), g.submit(2)]);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[1, 2]]);
    await all;
  });

  it('rejects every item of a failed commit, and the next group commits normally', async () => {
    let fail = true;
    const g = new GroupCommit<number, number>(
      (items) => {
        if (fail) throw new Error('disk full');
        return items;
      },
      { windowMs: 1, maxItems: 100 },
    );
    const results = await Promise.allSettled([g.submit(1), g.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('disk full'));
    fail = false;
    expect(await g.submit(3)).toBe(3);
  });

  it('flush() commits what waits without waiting for the window', async () => {
    const calls: number[][] = [];
    const g = new GroupCommit<number, number>((items) => (calls.push(items), items), { windowMs: 60_000, maxItems: 100 });
    const p = g.submit(1);
    expect(g.pending).toBe(1);
    g.flush();
    expect(calls).toEqual([[1]]);
    expect(await p).toBe(1);
    expect(g.pending).toBe(0);
  });

  it('with the shipped settings, a burst read in one turn is committed in groups of at most 16 messages', async () => {
    // Each message of a group stays parsed until its commit; a busy hub reads dozens in a turn (83 a commit on
    // average in bench/ingest.ts at load 10 with the earlier 1000), which the young generation then copied and promoted.
    const { ingest } = loadHubConfig(writeHubConfig(''), {});
    const sizes: number[] = [];
    const g = new GroupCommit<number, number>((items) => (sizes.push(items.length), items), { windowMs: parseDuration(ingest.groupCommit), maxItems: ingest.maxGroup });
    const burst = Array.from({ length: 100 }, (_, i) => i);
    expect(await Promise.all(burst.map((i) => g.submit(i)))).toEqual(burst);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16);
  });
});
