import { pino, type Logger } from 'pino';
import { maskSecrets } from './secret-mask.js';

/** The level names of terraform-proxmox-manager-api's `GET /api/system/logs`, and the lowest pino level each includes. */
export const LOG_RING_LEVELS = { debug: 0, info: 30, warning: 40, error: 50 } as const;
export type LogRingLevel = keyof typeof LOG_RING_LEVELS;

/** pino's numeric level as one of the four names: trace counts as debug, fatal as error. */
export function levelName(level: number): LogRingLevel {
  if (level >= LOG_RING_LEVELS.error) return 'error';
  if (level >= LOG_RING_LEVELS.warning) return 'warning';
  if (level >= LOG_RING_LEVELS.info) return 'info';
  return 'debug';
}

export interface LogRingLimits {
  /** Lines kept; the oldest go first. */
  maxLines: number;
  /** Bytes of the (masked) JSON lines kept; the oldest go first. */
  maxBytes: number;
}

/** One line as the ring keeps it: pino's JSON with every secret masked. */
export interface LogRingLine {
  level: number;
  time: number;
  line: Record<string, unknown>;
}

/** A line larger than this keeps its time, level and the start of its message only: one line cannot empty the ring. */
const MAX_LINE_BYTES = 16 * 1024;
const TRUNCATED_MESSAGE_CHARS = 1024;

interface Kept {
  level: number;
  time: number;
  json: string;
  bytes: number;
}

/**
 * The newest lines a pino logger wrote, in memory, bounded by line count
 * and bytes. It is a pino destination (multistream entry): it gets the
 * same JSON lines as stderr and keeps them with their secrets masked
 * (shared/secret-mask.ts), so what it answers never holds a password or
 * token whatever a caller logged.
 */
export class LogRing {
  private readonly slots: (Kept | undefined)[];
  private start = 0;
  private count = 0;
  private bytes = 0;
  /** Lines dropped to stay within the limits since the start. */
  dropped = 0;

  constructor(readonly limits: LogRingLimits) {
    if (!(limits.maxLines >= 1 && limits.maxBytes >= 1)) throw new RangeError('a log ring holds at least one line and one byte');
    this.slots = new Array<Kept | undefined>(limits.maxLines);
  }

  /** pino's write: one JSON line (newline-terminated); anything that is not a JSON object is ignored. */
  write(chunk: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(chunk);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
    const line = maskSecrets(parsed as Record<string, unknown>);
    const level = typeof line.level === 'number' ? line.level : 0;
    // pino writes Date.now(); anything a Date cannot hold would fail the answer's ISO timestamp.
    const time = typeof line.time === 'number' && !Number.isNaN(new Date(line.time).getTime()) ? line.time : Date.now();
    let json = JSON.stringify(line);
    if (Buffer.byteLength(json) > Math.min(MAX_LINE_BYTES, this.limits.maxBytes)) {
      const msg = typeof line.msg === 'string' ? line.msg.slice(0, TRUNCATED_MESSAGE_CHARS) : '';
      json = JSON.stringify({ level, time, name: line.name, part: line.part, msg, truncated: true });
    }
    this.push({ level, time, json, bytes: Buffer.byteLength(json) });
  }

  private push(kept: Kept): void {
    if (kept.bytes > this.limits.maxBytes) {
      this.dropped++;
      return;
    }
    while (this.count === this.limits.maxLines || this.bytes + kept.bytes > this.limits.maxBytes) this.dropOldest();
    this.slots[(this.start + this.count) % this.limits.maxLines] = kept;
    this.count++;
    this.bytes += kept.bytes;
  }

  private dropOldest(): void {
    const oldest = this.slots[this.start]!;
    this.slots[this.start] = undefined;
    this.start = (this.start + 1) % this.limits.maxLines;
    this.count--;
    this.bytes -= oldest.bytes;
    this.dropped++;
  }

  /** Lines at `minLevel` or above, newest first, `offset` of them skipped; `total` counts all that match. */
  read(opts: { minLevel: number; limit: number; offset: number }): { lines: LogRingLine[]; total: number } {
    const lines: LogRingLine[] = [];
    let total = 0;
    for (let i = this.count - 1; i >= 0; i--) {
      const kept = this.slots[(this.start + i) % this.limits.maxLines]!;
      if (kept.level < opts.minLevel) continue;
      if (total >= opts.offset && lines.length < opts.limit) lines.push({ level: kept.level, time: kept.time, line: JSON.parse(kept.json) as Record<string, unknown> });
      total++;
    }
    return { lines, total };
  }

  /** Lines and bytes held now. */
  size(): { lines: number; bytes: number } {
    return { lines: this.count, bytes: this.bytes };
  }
}

/** The ring a logger (or any child of it) tees into, if it was made with one (shared/log.ts createLogger). */
export function logRingOf(log: Logger): LogRing | null {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { streams?: { stream: unknown }[] } | undefined;
  const found = stream?.streams?.find((s) => s.stream instanceof LogRing);
  return (found?.stream as LogRing | undefined) ?? null;
}
