import { describe, expect, it } from 'vitest';
import { VerificationBusy, VerificationQueue } from '../../../hub/identity/verification-queue.js';

/** A check the test finishes by hand, recording when it started. */
function gate(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { check: async () => (log.push(name), await done, name), finish };
}

const busy = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof VerificationBusy ? err.by : err;
  }
  return 'admitted';
};

describe('VerificationQueue', () => {
  it('runs at most `concurrency` checks and takes accounts round-robin, so one flooded account cannot starve another', async () => {
    const q = new VerificationQueue({ concurrency: 1, queue: 100, perSource: 100, perAccount: 100 });
    const log: string[] = [];
    const flood = Array.from({ length: 5 }, (_, i) => gate(log, `flood-${i}`));
    const runs = flood.map((g, i) => q.run('user:1', `10.0.0.${i}`, g.check));
    const legit = gate(log, 'legit');
    const legitRun = q.run('user:2', '10.9.9.9', legit.check);
    await Promise.resolve();
    expect(log).toEqual(['flood-0']);
    flood[0]!.finish();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    // After one check of the flooded account, the other account's check is next.
    expect(log).toEqual(['flood-0', 'legit']);
    legit.finish();
    expect(await legitRun).toBe('legit');
    for (const g of flood) g.finish();
    expect(await Promise.all(runs)).toEqual(flood.map((_, i) => `flood-${i}`));
  });

  it('runs one check per account at a time, leaving the other slots to other accounts', async () => {
    const q = new VerificationQueue({ concurrency: 2, queue: 100, perSource: 100, perAccount: 100 });
    const log: string[] = [];
    const flood = Array.from({ length: 3 }, (_, i) => gate(log, `flood-${i}`));
    const runs = flood.map((g, i) => q.run('user:1', `10.0.0.${i}`, g.check));
    expect(log).toEqual(['flood-0']);
    const legit = gate(log, 'legit');
    const legitRun = q.run('user:2', '10.9.9.9', legit.check);
    expect(log).toEqual(['flood-0', 'legit']);
    legit.finish();
    await legitRun;
    for (const g of flood) g.finish();
    await Promise.all(runs);
    expect(log).toEqual(['flood-0', 'legit', 'flood-1', 'flood-2']);
  });

  it('refuses at once beyond the per-source, per-account and total limits, and admits again once checks end', async () => {
    const q = new VerificationQueue({ concurrency: 1, queue: 4, perSource: 2, perAccount: 3 });
    const log: string[] = [];
    const gates = Array.from({ length: 4 }, (_, i) => gate(log, `g${i}`));
    const runs = [q.run('a', 's1', gates[0]!.check), q.run('a', 's1', gates[1]!.check)];
    expect(busy(() => q.run('b', 's1', gate(log, 'x').check))).toBe('source');
    runs.push(q.run('a', 's2', gates[2]!.check));
    expect(busy(() => q.run('a', 's3', gate(log, 'x').check))).toBe('account');
    runs.push(q.run('b', 's3', gates[3]!.check));
    expect(busy(() => q.run('c', 's4', gate(log, 'x').check))).toBe('hub');
    for (const g of gates) g.finish();
    await Promise.all(runs);
    expect(busy(() => q.run('a', 's1', async () => 'again'))).toBe('admitted');
    expect(log).not.toContain('x');
  });

  it('frees the slot of a check that throws', async () => {
    const q = new VerificationQueue({ concurrency: 1, queue: 1, perSource: 1, perAccount: 1 });
    await expect(q.run('a', 's', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run('a', 's', async () => 'ok')).toBe('ok');
  });
});
