import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs: one JSON line per event by default (journald and log
 * shippers read them as they are); `pretty` renders them for a terminal.
 */
export function createLogger(opts: { level?: string; pretty?: boolean; name: string }): Logger {
  const level = opts.level ?? 'info';
  if (opts.pretty) {
    return pino({ name: opts.name, level, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino({ name: opts.name, level }, pino.destination({ dest: 2, sync: false }));
}
