import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';
import type { LogRingLimits } from '../../shared/log-ring.js';
import { teeIntoRing } from '../../shared/log.js';

/**
 * A real pino logger whose JSON lines are kept in memory for assertions;
 * with `ring`, also teed into a LogRing as the hub's createLogger does
 * (GET /api/system/logs reads it).
 */
export function memoryLogger(ring?: LogRingLimits): { log: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = pino({ level: 'debug' }, ring ? teeIntoRing(stream, ring) : stream);
  const text = () => chunks.join('');
  return { log, text, lines: () => text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}
