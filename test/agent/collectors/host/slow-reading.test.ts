import { describe, expect, it } from 'vitest';
import { SlowReading } from '../../../../agent/collectors/host/slow-reading.js';

describe('SlowReading', () => {
  it('fetches at most every everyMs and hands each reading out once', async () => {
    let calls = 0;
    const r = new SlowReading(async () => ++calls, { everyMs: 60_000, waitMs: 1_000, onError: () => {} });
    expect(await r.take(0)).toBe(1);
    expect(await r.take(5_000)).toBeUndefined();
    expect(await r.take(59_999)).toBeUndefined();
    expect(await r.take(60_000)).toBe(2);
    expect(calls).toBe(2);
  });

  it('does not wait past waitMs for a hung fetch, never starts a second one, and hands out the late answer next time', async () => {
    let calls = 0;
    let answer!: (v: string) => void;
    const r = new SlowReading(
      () => {
        calls++;
        return new Promise<string>((resolve) => (answer = resolve));
      },
      { everyMs: 10, waitMs: 30, onError: () => {} },
    );
    // Would never return (the test times out) if take() waited for the hung fetch.
    expect(await r.take(0)).toBeUndefined();
    expect(await r.take(100)).toBeUndefined();
    expect(calls).toBe(1);
    answer('late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await r.take(200)).toBe('late');
  });

  it('reports a failed fetch and tries again when due', async () => {
    const errors: string[] = [];
    let fail = true;
    const r = new SlowReading(
      async () => {
        if (fail) throw new Error('df: /mnt/nfs: Stale file handle');
        return 'ok';
      },
      { everyMs: 1_000, waitMs: 100, onError: (e) => errors.push(e.message) },
    );
    expect(await r.take(0)).toBeUndefined();
    expect(errors).toEqual(['df: /mnt/nfs: Stale file handle']);
    fail = false;
    expect(await r.take(1_000)).toBe('ok');
  });
});
