import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { parseKmsgRecord, type KmsgRecord } from './parse-record.js';

export interface KmsgReaderOptions {
  /** `/dev/kmsg`; tests give a file or a FIFO written in its record format. */
  path: string;
  /** How often to look for new records once caught up. */
  pollMs: number;
  /** Each batch of new records (deduplicated by sequence number), in log order. */
  onRecords: (records: KmsgRecord[]) => void;
  /** A read failed for another reason than "nothing new": reading stops. */
  onError: (err: Error) => void;
}

const BUFFER_BYTES = 16 * 1024;
/** A "line" longer than any kernel record (the kernel's limit is 8 KiB with its dictionary) is not one: dropped. */
const MAX_LINE_BYTES = 16 * 1024;

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * Reads kernel log records from the start of the ring buffer, then follows it.
 *
 * The file is opened O_NONBLOCK: a read of /dev/kmsg with nothing new answers
 * EAGAIN at once instead of blocking one of libuv's few threadpool threads
 * for good, so the reader polls every `pollMs`. Each reader of /dev/kmsg
 * starts at the oldest record still in the ring buffer, hence "since boot"
 * as far as the buffer reaches; EPIPE says records were overwritten before
 * they were read, and reading simply goes on with the next one. Records are
 * handed over once: a sequence number not above the last one seen is dropped.
 */
export class KmsgReader {
  private handle: FileHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private stopped = false;
  private partial = '';
  /** A plain file or FIFO hands out chunks, not records: a UTF-8 character may straddle two. */
  private readonly decoder = new StringDecoder('utf8');
  private lastSeq = -1;
  /** Records lost to ring-buffer overwrites (EPIPE) while reading. */
  overruns = 0;

  constructor(private readonly opts: KmsgReaderOptions) {}

  /** Opens the log and reads what it holds; null when it is being followed, else why it cannot be read. */
  async start(): Promise<string | null> {
    this.stopped = false;
    try {
      this.handle = await open(this.opts.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      return `${this.opts.path}: ${(err as Error).message}`;
    }
    await this.poll();
    return null;
  }

  private async poll(): Promise<void> {
    this.reading = this.drain();
    await this.reading;
    this.reading = undefined;
    if (!this.stopped && this.handle) this.timer = setTimeout(() => void this.poll(), this.opts.pollMs);
  }

  /** Reads until the log has nothing new (EAGAIN, or end of file for a plain file or a FIFO without writer). */
  private async drain(): Promise<void> {
    const buf = Buffer.alloc(BUFFER_BYTES);
    const records: KmsgRecord[] = [];
    while (!this.stopped && this.handle) {
      let n: number;
      try {
        n = (await this.handle.read(buf, 0, buf.length, null)).bytesRead;
      } catch (err) {
        if (code(err) === 'EAGAIN') break;
        if (code(err) === 'EPIPE') {
          this.overruns += 1;
          continue;
        }
        await this.close();
        this.opts.onError(err as Error);
        break;
      }
      if (n === 0) break;
      this.take(this.decoder.write(buf.subarray(0, n)), records);
    }
    if (records.length > 0) this.opts.onRecords(records);
  }

  private take(text: string, into: KmsgRecord[]): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE_BYTES) this.partial = '';
    for (const line of lines) {
      const record = parseKmsgRecord(line);
      if (!record || record.seq <= this.lastSeq) continue;
      this.lastSeq = record.seq;
      into.push(record);
    }
  }

  private async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.reading;
    await this.close();
  }
}
