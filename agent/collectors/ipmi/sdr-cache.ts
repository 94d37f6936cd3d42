import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../../shared/log.js';
import { parseSdr, type SdrRecord } from './parse-sdr.js';
import { IpmitoolTimeoutError, type Ipmitool } from './source.js';

/**
 * `sdr elist` through a local copy of the BMC's SDR repository. Without it
 * ipmitool reads every SDR record from the BMC on each call (dozens of round
 * trips); with `-S <file>` it only asks for the readings. The copy is made
 * with `sdr dump` on the first poll after each agent start (so a firmware
 * update is picked up by a restart) and again when reading through it fails.
 * When the BMC answers `sdr elist` but the copy still does not work, the
 * repository is read directly from then on.
 */
export class SdrCache {
  private state: 'missing' | 'ready' | 'off' = 'missing';
  private lastFailure = '';

  constructor(
    private readonly file: string,
    private readonly ipmitool: Ipmitool,
    private readonly log: Logger,
  ) {}

  /** Sensor rows of `sdr elist`; failures of the direct read (a timeout above all) propagate, so a hung BMC fails the poll. */
  async elist(): Promise<SdrRecord[]> {
    if (this.state === 'missing') await this.dump();
    if (this.state === 'ready') {
      const cached = await this.throughCache();
      if (cached) return cached;
      this.log.info({ file: this.file }, 'SDR cache unusable; dumping the SDR repository again');
      await this.dump();
      const again = this.state === 'ready' ? await this.throughCache() : null;
      if (again) return again;
    }
    const records = parseSdr((await this.ipmitool(['sdr', 'elist'])).stdout);
    // The BMC answers, so the cache, not the BMC, is what failed.
    if (this.state !== 'off') {
      this.state = 'off';
      this.log.info({ reason: this.lastFailure }, 'no SDR cache; reading the SDR repository on every poll');
    }
    return records;
  }

  /** `-S <file>` while the copy is good, for other commands that read the SDR (`sensor`). */
  args(): string[] {
    return this.state === 'ready' ? ['-S', this.file] : [];
  }

  private async throughCache(): Promise<SdrRecord[] | null> {
    try {
      const out = await this.ipmitool(['-S', this.file, 'sdr', 'elist']);
      const records = parseSdr(out.stdout);
      // A corrupt copy: `invalid sdr header version 72` on stderr, no rows, exit status 0.
      if (records.length > 0 && !/sdr cache|sdr header/i.test(out.stderr)) return records;
      this.lastFailure = out.stderr.trim() || 'no sensor rows through the cache';
    } catch (err) {
      if (err instanceof IpmitoolTimeoutError) throw err;
      this.lastFailure = (err as Error).message;
    }
    return null;
  }

  private async dump(): Promise<void> {
    const tmp = `${this.file}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      // Dump beside the file and rename, so a killed dump never leaves a half-written cache.
      await this.ipmitool(['sdr', 'dump', tmp]);
      await rename(tmp, this.file);
      this.state = 'ready';
    } catch (err) {
      if (err instanceof IpmitoolTimeoutError) throw err;
      this.state = 'missing';
      this.lastFailure = (err as Error).message;
    }
  }
}
