import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { LogRing, type LogRingLimits } from './log-ring.js';

/** pino-pretty, loaded only for pretty output: JSON lines (what the units run) need none of it (~0.5 MB of the agent's heap). */
const loadPinoPretty = (): typeof PinoPretty => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;

export type { Logger };

/**
 * Structured logs: one JSON line per event by default (journald and log
 * shippers read them as they are); `pretty` renders them for a terminal.
 * With `ring`, every line is also kept in a LogRing of that size (the
 * hub's GET /api/system/logs; shared/log-ring.ts logRingOf finds it).
 */
export function createLogger(opts: { level?: string; pretty?: boolean; name: string; ring?: LogRingLimits }): Logger {
  const level = opts.level ?? 'info';
  if (!opts.ring) {
    if (opts.pretty) {
      return pino({ name: opts.name, level, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
    }
    return pino({ name: opts.name, level }, pino.destination({ dest: 2, sync: false }));
  }
  // A transport runs in a worker thread and cannot share lines with the ring: pretty output is rendered in-process here.
  const terminal: DestinationStream = opts.pretty ? loadPinoPretty()({ destination: 2, colorize: true }) : pino.destination({ dest: 2, sync: false });
  return pino({ name: opts.name, level }, teeIntoRing(terminal, opts.ring));
}

/** A destination writing every line to `destination` and to a new LogRing of that size. */
export function teeIntoRing(destination: DestinationStream, limits: LogRingLimits): DestinationStream {
  // Each entry's level is the lowest, so the logger's level alone decides what is written to both.
  const streams = pino.multistream([
    { level: 'trace', stream: destination },
    { level: 'trace', stream: new LogRing(limits) },
  ]);
  // log.flush(cb) before exit must wait for the asynchronous stderr writes, as it does without the ring.
  const flushable = destination as DestinationStream & { flush?: (cb: (err?: Error) => void) => void };
  return Object.assign(streams, { flush: (cb: (err?: Error) => void) => (flushable.flush ? flushable.flush(cb) : cb()) });
}
