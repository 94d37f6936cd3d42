import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_RING_LEVELS, levelName, LogRing, logRingOf } from '../../shared/log-ring.js';
import { limitRepeats } from '../../shared/limit-repeats.js';
import { teeIntoRing } from '../../shared/log.js';
import { SECRET_MASK } from '../../shared/secret-mask.js';

/** A pino logger teed into a ring as the hub's createLogger does, its other copy kept in `terminal`. */
function teed(limits: { maxLines: number; maxBytes: number }) {
  const terminal: string[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      terminal.push(chunk.toString());
      cb();
    },
  });
  const log = pino({ level: 'trace' }, teeIntoRing(out, limits));
  return { log, terminal, ring: logRingOf(log)! };
}

const all = { minLevel: 0, limit: 1000, offset: 0 };
const messages = (ring: LogRing, opts = all) => ring.read(opts).lines.map((l) => l.line.msg);

describe('LogRing', () => {
  it('gets every line the logger writes, its children included, while the other destination still gets them', () => {
    const { log, terminal, ring } = teed({ maxLines: 10, maxBytes: 100_000 });
    log.info('one');
    log.child({ part: 'api' }).warn({ code: 7 }, 'two');
    expect(messages(ring)).toEqual(['two', 'one']);
    expect(ring.read(all).lines[0]!.line).toMatchObject({ part: 'api', code: 7, level: 40 });
    expect(terminal.map((l) => JSON.parse(l).msg)).toEqual(['one', 'two']);
  });

  it('is found from a child logger and through limitRepeats, and not on a logger without one', () => {
    const { log, ring } = teed({ maxLines: 10, maxBytes: 100_000 });
    expect(logRingOf(log.child({ part: 'x' }))).toBe(ring);
    expect(logRingOf(limitRepeats(log.child({ part: 'y' })))).toBe(ring);
    expect(logRingOf(pino({ level: 'silent' }))).toBeNull();
  });

  it('keeps at most maxLines lines, the newest', () => {
    const { log, ring } = teed({ maxLines: 3, maxBytes: 100_000 });
    for (let i = 1; i <= 7; i++) log.info(`line ${i}`);
    expect(messages(ring)).toEqual(['line 7', 'line 6', 'line 5']);
    expect(ring.size().lines).toBe(3);
    expect(ring.dropped).toBe(4);
  });

  it('keeps at most maxBytes bytes of lines, the newest', () => {
    const { log, ring } = teed({ maxLines: 1000, maxBytes: 2000 });
    for (let i = 0; i < 100; i++) log.info({ pad: 'x'.repeat(100) }, `line ${i}`);
    const { bytes, lines } = ring.size();
    expect(bytes).toBeLessThanOrEqual(2000);
    // Each line is about 170 bytes: the ring is nearly full, not emptied.
    expect(bytes).toBeGreaterThan(2000 - 200);
    expect(messages(ring)).toEqual(Array.from({ length: lines }, (_, i) => `line ${99 - i}`));
    // What size() counts is what the lines weigh.
    const weighed = ring.read(all).lines.reduce((n, l) => n + Buffer.byteLength(JSON.stringify(l.line)), 0);
    expect(weighed).toBe(bytes);
  });

  it('keeps only the time, level and start of the message of a line larger than 16 KiB', () => {
    const { log, ring } = teed({ maxLines: 10, maxBytes: 1024 * 1024 });
    log.info('small');
    log.error({ blob: 'y'.repeat(100_000) }, 'z'.repeat(5000));
    const [big, small] = ring.read(all).lines;
    expect(small!.line.msg).toBe('small');
    expect(big!.line).toEqual({ level: 50, time: big!.time, msg: 'z'.repeat(1024), truncated: true });
    expect(ring.size().bytes).toBeLessThan(2000);
  });

  it('filters by minimum level, newest first, and pages with offset and limit; total counts all that match', () => {
    const { log, ring } = teed({ maxLines: 100, maxBytes: 100_000 });
    log.trace('t1');
    log.debug('d1');
    log.info('i1');
    log.warn('w1');
    log.error('e1');
    log.fatal('f1');
    log.info('i2');
    log.error('e2');
    expect(messages(ring, { minLevel: LOG_RING_LEVELS.error, limit: 10, offset: 0 })).toEqual(['e2', 'f1', 'e1']);
    expect(messages(ring, { minLevel: LOG_RING_LEVELS.warning, limit: 10, offset: 0 })).toEqual(['e2', 'f1', 'e1', 'w1']);
    expect(messages(ring, { minLevel: LOG_RING_LEVELS.info, limit: 2, offset: 1 })).toEqual(['i2', 'f1']);
    expect(ring.read({ minLevel: LOG_RING_LEVELS.info, limit: 2, offset: 1 }).total).toBe(6);
    expect(ring.read({ minLevel: LOG_RING_LEVELS.debug, limit: 10, offset: 100 })).toEqual({ lines: [], total: 8 });
    expect(messages(ring, { minLevel: LOG_RING_LEVELS.debug, limit: 3, offset: 5 })).toEqual(['i1', 'd1', 't1']);
  });

  it('masks secrets before keeping a line: secret fields, URL credentials and bearer tokens in any string', () => {
    const { log, terminal, ring } = teed({ maxLines: 10, maxBytes: 100_000 });
    log.warn({ password: 'hunter2', headers: { authorization: 'Bearer abc.def', 'x-scope-orgid': 'team-a' }, err: { message: 'connect redis://:s3cret@db:6379 failed' } }, 'login with token=%s', 'plain');
    const [line] = ring.read(all).lines;
    expect(line!.line).toMatchObject({ password: SECRET_MASK, headers: { authorization: SECRET_MASK, 'x-scope-orgid': 'team-a' }, err: { message: `connect redis://${SECRET_MASK}@db:6379 failed` } });
    const held = JSON.stringify(ring.read(all));
    for (const secret of ['hunter2', 'abc.def', 's3cret']) expect(held).not.toContain(secret);
    // The other destination still gets the line.
    expect(terminal.map((l) => JSON.parse(l).msg)).toEqual(['login with token=plain']);
  });

  it('ignores what is not a JSON object line', () => {
    const ring = new LogRing({ maxLines: 5, maxBytes: 10_000 });
    ring.write('not json\n');
    ring.write('[1,2]\n');
    ring.write('{"level":30,"time":1,"msg":"ok"}\n');
    expect(ring.read(all).lines.map((l) => l.line.msg)).toEqual(['ok']);
  });

  it('stamps a line whose time a Date cannot hold with the time it arrived', () => {
    const ring = new LogRing({ maxLines: 5, maxBytes: 10_000 });
    const before = Date.now();
    ring.write('{"level":30,"time":1e300,"msg":"far"}\n');
    const [line] = ring.read(all).lines;
    expect(line!.time).toBeGreaterThanOrEqual(before);
    expect(line!.time).toBeLessThanOrEqual(Date.now());
  });

  it('names pino levels as the seed does', () => {
    expect([10, 20, 30, 40, 50, 60].map(levelName)).toEqual(['debug', 'debug', 'info', 'warning', 'error', 'error']);
  });
});
