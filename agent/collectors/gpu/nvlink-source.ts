import type { Logger } from '../../../shared/log.js';
import { runCommand } from '../run-command.js';
import type { Sample } from '../types.js';
import { NvlinkRates } from './nvlink-samples.js';
import { parseNvlinkThroughput } from './parse-nvlink.js';

/** One read of 8 GPUs takes well under a second; a hung driver must not hold one longer. */
const TIMEOUT_MS = 10_000;

/**
 * `nvidia-smi nvlink -gt d` once, in its own process group as the collector's
 * long-running children (line-process.ts): a configured `nvidiaSmi` may be a
 * wrapper that does not `exec`, so a timeout or a stop kills the whole group.
 * Stdout, or null when it failed.
 */
async function readCounters(nvidiaSmi: string, signal: AbortSignal): Promise<string | null> {
  const r = await runCommand(nvidiaSmi, ['nvlink', '-gt', 'd'], { timeoutMs: TIMEOUT_MS, killSignal: 'SIGKILL', signal, group: true });
  return r.exitCode === 0 ? r.stdout : null;
}

/**
 * Polls NVLink throughput counters every `everyMs`. The first read decides:
 * where nvidia-smi gives no link counter for any GPU (PCIe cards, MIG mode,
 * links inactive, a driver without `nvlink -gt`), polling stops with one
 * log line and no NVLink series exist. Reads never overlap.
 */
export class NvlinkPoller {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly rates = new NvlinkRates();

  constructor(private readonly opts: { nvidiaSmi: string; everyMs: number; log: Logger; onSamples: (samples: Sample[]) => void }) {}

  /** The first read; polling goes on only where it found counters. */
  async start(): Promise<void> {
    const found = await this.read();
    if (this.stopped) return;
    if (!found) {
      this.opts.log.info('nvidia-smi nvlink -gt d gives no NVLink counters; no NVLink bandwidth from nvidia-smi');
      return;
    }
    this.timer = setInterval(() => {
      if (!this.inFlight) this.inFlight = this.read().then(() => (this.inFlight = undefined));
    }, this.opts.everyMs);
    this.timer.unref();
  }

  /** True when some GPU had link counters. */
  private async read(): Promise<boolean> {
    const text = await readCounters(this.opts.nvidiaSmi, this.abort.signal);
    if (text === null || this.stopped) return false;
    const gpus = parseNvlinkThroughput(text);
    const samples = this.rates.samples(gpus, Date.now());
    if (samples.length > 0) this.opts.onSamples(samples);
    return gpus.length > 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.inFlight;
  }
}
