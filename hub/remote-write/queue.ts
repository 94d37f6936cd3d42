import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '../../shared/log.js';
import { parseDuration } from '../../shared/duration.js';
import { VERSION } from '../../shared/version.js';
import { withoutCredentials } from '../core/url-credentials.js';
import type { CommittedLog, LogRecord } from './committed-log.js';
import type { RemoteWriteTarget } from './config.js';
import { encodeWriteRequest, type PromSeries } from './prompb.js';
import type { SeriesNames, WrittenSeries } from './series-names.js';

/** What became of one request. */
export type SendOutcome = { kind: 'sent' } | { kind: 'retry'; cause: string } | { kind: 'refused'; cause: string };

export interface QueueCounts {
  sent: number;
  /** Requests that failed and were retried (5xx, 429, network). */
  failed: number;
  /** Samples dropped, per cause: `refused_<status>` (the receiver called them invalid), `max_age`, `max_bytes`. */
  dropped: Record<string, number>;
}

export interface QueueStatus extends QueueCounts {
  name: string;
  url: string;
  pendingSamples: number;
  /** Seconds between now and the oldest sample not yet sent; 0 when nothing is pending. */
  lagSeconds: number;
  lastError: string | null;
}

/** Sends one request body; resolves with the outcome, never rejects. */
export type Sender = (body: Buffer) => Promise<SendOutcome>;

/** 2xx sent; 429, 5xx and network errors retried; any other answer is the receiver refusing the samples as invalid. */
export function classify(status: number, body: string): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'sent' };
  const cause = `${status} ${body.split('\n')[0]!.slice(0, 200)}`.trim();
  if (status === 429 || status >= 500) return { kind: 'retry', cause };
  return { kind: 'refused', cause };
}

/** An HTTP(S) sender for a target: the headers remote-write 1.0 prescribes, its credentials and TLS files. */
export function httpSender(target: RemoteWriteTarget, credentials: { authorization?: string }): Sender {
  const url = new URL(target.url);
  const https = url.protocol === 'https:';
  const tls = https
    ? {
        ca: target.tls.ca ? readFileSync(target.tls.ca) : undefined,
        cert: target.tls.cert ? readFileSync(target.tls.cert) : undefined,
        key: target.tls.key ? readFileSync(target.tls.key) : undefined,
      }
    : {};
  const timeout = parseDuration(target.timeout);
  return (body) =>
    new Promise((resolve) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          timeout,
          ...tls,
          headers: {
            ...target.headers,
            ...(credentials.authorization ? { Authorization: credentials.authorization } : {}),
            'Content-Type': 'application/x-protobuf',
            'Content-Encoding': 'snappy',
            'Content-Length': body.length,
            'User-Agent': `kcloud-hub/${VERSION}`,
            'X-Prometheus-Remote-Write-Version': '0.1.0',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            // An error body is only quoted: its first few KiB are enough.
            if (size < 4096) chunks.push(c);
            size += c.length;
          });
          res.on('end', () => resolve(classify(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
          res.on('error', (err) => resolve({ kind: 'retry', cause: `network: ${err.message}` }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${target.timeout}`)));
      req.on('error', (err) => resolve({ kind: 'retry', cause: `network: ${err.message}` }));
      req.end(body);
    });
}

/**
 * The remote-write series of some records, each stored series under the
 * names `names` gives it (one, or two with `names: both`), its values times
 * their scale; samples older than `oldest` are left out and counted in
 * `tooOld`. `samples` counts committed samples, not written ones.
 */
export function toSeries(records: readonly LogRecord[], names: (seriesId: number) => readonly WrittenSeries[], oldest: number): { series: PromSeries[]; samples: number; tooOld: number } {
  const bySeries = new Map<number, { out: PromSeries; scale: number }[]>();
  let samples = 0;
  let tooOld = 0;
  for (const r of records) {
    const t = r.triples;
    for (let i = 0; i < t.length; i += 3) {
      const id = t[i]!;
      const timestamp = t[i + 1]!;
      if (timestamp < oldest) {
        tooOld++;
        continue;
      }
      let outs = bySeries.get(id);
      if (!outs) bySeries.set(id, (outs = names(id).map((n) => ({ out: { labels: n.labels, samples: [] }, scale: n.scale }))));
      const value = t[i + 2]!;
      // As the hub's /metrics converts them; a scale of 1 leaves the value as committed (x * 1 is x, exactly).
      for (const o of outs) o.out.samples.push({ value: value * o.scale, timestamp });
      samples++;
    }
  }
  const series = [...bySeries.values()].flatMap((outs) => outs.map((o) => o.out));
  // Within a series the protocol wants time order; records are in commit order, a late batch may be older (stable sort).
  for (const s of series) s.samples.sort((a, b) => a.timestamp - b.timestamp);
  return { series, samples, tooOld };
}

export interface QueueDeps {
  log: CommittedLog;
  /** What the queue's series are called on the receiver (`names` of its target). */
  names: SeriesNames;
  send: Sender;
  logger: Logger;
  now?: () => number;
  /** How often an idle queue looks for new records. */
  pollMs?: number;
}

/**
 * One remote-write queue: a loop that sends what the hub committed after the
 * queue's cursor, in commit order, and moves the cursor only once the
 * receiver answered 2xx (or refused the samples as invalid: dropped,
 * counted, logged once per cause). 5xx, 429 and network errors are retried
 * with a doubling backoff, the same records read again from the log. Before
 * each try the queue drops, oldest first, what exceeds its bounds: samples
 * older than maxAge and bytes beyond maxBytes.
 */
export class RemoteWriteQueue {
  readonly counts: QueueCounts = { sent: 0, failed: 0, dropped: {} };
  private lastError: string | null = null;
  private readonly loggedCauses = new Set<string>();
  private stopped = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly maxAge: number;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;

  constructor(
    readonly name: string,
    private readonly target: RemoteWriteTarget,
    private readonly deps: QueueDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.maxAge = parseDuration(target.queue.maxAge);
    this.minBackoff = parseDuration(target.queue.minBackoff);
    this.maxBackoff = parseDuration(target.queue.maxBackoff);
  }

  start(): void {
    this.running ??= this.loop().catch((err: Error) => {
      this.lastError = err.message;
      this.deps.logger.error({ remote: this.name, err: err.message }, 'remote write stopped');
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  status(): QueueStatus {
    const p = this.deps.log.pending(this.name);
    const lagSeconds = p.oldestTs === null ? 0 : Math.max(0, (this.now() - p.oldestTs) / 1000);
    return { name: this.name, url: withoutCredentials(this.target.url), pendingSamples: p.samples, lagSeconds, lastError: this.lastError, ...this.counts, dropped: { ...this.counts.dropped } };
  }

  private drop(cause: string, samples: number, detail?: string): void {
    if (samples <= 0) return;
    this.counts.dropped[cause] = (this.counts.dropped[cause] ?? 0) + samples;
    if (!this.loggedCauses.has(cause)) {
      this.loggedCauses.add(cause);
      this.deps.logger.warn({ remote: this.name, cause, detail, samples }, 'remote write dropped samples (logged once per cause; counted on /metrics)');
    }
  }

  /** Drops whole records while the queue is over maxBytes or their window ended before maxAge, oldest first. */
  private trim(): void {
    const { log } = this.deps;
    const oldest = this.now() - this.maxAge;
    const sizes = log.sizes(this.name);
    let bytes = sizes.reduce((a, r) => a + r.bytes, 0);
    for (const r of sizes) {
      const expired = r.window + log.chunkWindow <= oldest;
      if (!expired && bytes <= this.target.queue.maxBytes) break;
      log.advance(this.name, r.window, r.id);
      this.drop(expired ? 'max_age' : 'max_bytes', r.bytes / 24);
      bytes -= r.bytes;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    const { log } = this.deps;
    let backoff = this.minBackoff;
    while (!this.stopped) {
      this.trim();
      const records = log.read(this.name, this.target.queue.maxSamplesPerSend);
      if (records.length === 0) {
        await this.sleep(this.deps.pollMs ?? 500);
        continue;
      }
      const names = this.deps.names.forRequest();
      if (names === null) {
        // dcgm-exporter labels need the fleet's GPU facts: the hub is still opening them.
        await this.sleep(this.deps.pollMs ?? 500);
        continue;
      }
      const { series, samples, tooOld } = toSeries(records, names, this.now() - this.maxAge);
      const outcome: SendOutcome = series.length === 0 ? { kind: 'sent' } : await this.deps.send(encodeWriteRequest(series));
      if (outcome.kind === 'retry') {
        this.counts.failed++;
        this.lastError = outcome.cause;
        if (!this.stopped) await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoff);
        continue;
      }
      backoff = this.minBackoff;
      if (outcome.kind === 'sent') {
        this.counts.sent += samples;
        this.lastError = null;
      } else {
        this.lastError = outcome.cause;
        this.drop(`refused_${outcome.cause.split(' ')[0]}`, samples, outcome.cause);
      }
      this.drop('max_age', tooOld);
      // One cursor write per window (records come in commit order): an external hub's records hold one message each, 20 and more a request.
      const last = new Map<number, number>();
      for (const r of records) last.set(r.window, r.id);
      for (const [window, id] of last) log.advance(this.name, window, id);
    }
  }
}
