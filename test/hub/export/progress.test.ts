import { describe, expect, it } from 'vitest';
import { counted, ExportProgress, prefetch } from '../../../hub/export/progress.js';
import { memoryLogger } from '../../helpers/logger.js';

async function* rows(n: number, closed: { value: boolean }) {
  try {
    for (let i = 0; i < n; i++) yield { i };
  } finally {
    closed.value = true;
  }
}

describe('export progress', () => {
  it('logs rows done every N rows and every M ms, and the end', async () => {
    const { log, lines } = memoryLogger();
    let now = 0;
    const p = new ExportProgress(log, { export: 'power' }, { everyRows: 10, everyMs: 1000, now: () => now });
    for (let i = 0; i < 25; i++) {
      if (i === 13) now = 1500;
      p.row();
    }
    p.done();
    expect(lines().map((l) => [l.msg, l.rows, l.export])).toEqual([
      ['export progress', 10, 'power'],
      ['export progress', 14, 'power'],
      ['export progress', 24, 'power'],
      ['export finished', 25, 'power'],
    ]);
  });

  it('reads the first row ahead, keeps every row, and closes the source when the consumer stops', async () => {
    const closed = { value: false };
    const p = new ExportProgress(memoryLogger().log, {});
    const all: unknown[] = [];
    for await (const r of counted(await prefetch(rows(5, closed)), p)) all.push(r);
    expect(all).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(p.rows).toBe(5);

    const early = { value: false };
    for await (const r of await prefetch(rows(100, early))) if ((r as { i: number }).i === 2) break;
    expect(early.value).toBe(true);

    const empty = { value: false };
    const none: unknown[] = [];
    for await (const r of await prefetch(rows(0, empty))) none.push(r);
    expect(none).toEqual([]);
  });
});
