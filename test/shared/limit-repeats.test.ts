import { describe, expect, it } from 'vitest';
import { limitRepeats } from '../../shared/limit-repeats.js';
import { RepeatWindows } from '../../shared/repeat-windows.js';
import { memoryLogger } from '../helpers/logger.js';

describe('RepeatWindows', () => {
  it('passes perWindow hits of a key a window, counts the rest and hands the count to the first hit of the next window', () => {
    let t = 0;
    const w = new RepeatWindows(2, 1000, () => t);
    expect([1, 2, 3, 4].map(() => w.hit('a').pass)).toEqual([true, true, false, false]);
    expect(w.hit('b')).toEqual({ pass: true, suppressedBefore: 0 });
    t = 1000;
    expect(w.hit('a')).toEqual({ pass: true, suppressedBefore: 2 });
    expect(w.hit('b')).toEqual({ pass: true, suppressedBefore: 0 });
  });

  it('keeps at most maxKeys windows, forgetting the oldest', () => {
    const w = new RepeatWindows(1, 60_000, () => 0, 2);
    w.hit('a');
    w.hit('b');
    w.hit('c');
    // 'a' was forgotten, so it passes again; 'c' is still in its window.
    expect(w.hit('a').pass).toBe(true);
    expect(w.hit('c').pass).toBe(false);
  });
});

describe('limitRepeats (a real pino logger)', () => {
  it('logs at most perWindow warn lines per message, whatever the fields, then the suppressed count with the next one', () => {
    let t = 0;
    const mem = memoryLogger();
    const log = limitRepeats(mem.log, { perWindow: 3, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 100; i++) log.warn({ clientId: `attacker-${i}` }, 'mqtt connect refused');
    log.error({ err: 'disk full' }, 'commit failed');
    log.info('not limited');
    log.info('not limited');
    expect(mem.lines().map((l) => l.msg)).toEqual(['mqtt connect refused', 'mqtt connect refused', 'mqtt connect refused', 'commit failed', 'not limited', 'not limited']);
    t = 60_000;
    log.warn({ clientId: 'attacker-100' }, 'mqtt connect refused');
    expect(mem.lines().slice(-2)).toMatchObject([
      { msg: 'repeated log lines suppressed', suppressed: 97, repeated: 'mqtt connect refused', level: 40 },
      { msg: 'mqtt connect refused', clientId: 'attacker-100' },
    ]);
  });

  it('limits a plain-message call too and keeps child() working', () => {
    const mem = memoryLogger();
    const log = limitRepeats(mem.log, { perWindow: 1 });
    log.warn('once');
    log.warn('once');
    log.child({ part: 'x' }).info('child line');
    expect(mem.lines().map((l) => [l.msg, l.part])).toEqual([
      ['once', undefined],
      ['child line', 'x'],
    ]);
  });
});
