import type { Logger } from '../../../shared/log.js';
import { parseDcmiPowerReading, type DcmiPowerReading } from './parse-dcmi.js';
import { IpmitoolError, IpmitoolTimeoutError, type Ipmitool } from './source.js';

// The BMC answered with an error completion code: `DCMI request failed because: Invalid command (c1)`.
const REJECTED = /DCMI request failed|Invalid command/i;

/**
 * `dcmi power reading`, which many BMCs lack (ipmi_sim without its plugin,
 * older iDRACs): once the BMC rejects it the collector stops asking and says
 * so once. Other failures are logged and cost only this poll's reading; a
 * timeout propagates like any other call to a hung BMC.
 */
export class DcmiPower {
  private supported = true;

  constructor(
    private readonly ipmitool: Ipmitool,
    private readonly log: Logger,
  ) {}

  async read(): Promise<DcmiPowerReading | null> {
    if (!this.supported) return null;
    try {
      const reading = parseDcmiPowerReading((await this.ipmitool(['dcmi', 'power', 'reading'])).stdout);
      if (reading === null) this.stop('no power reading in the answer');
      return reading;
    } catch (err) {
      if (err instanceof IpmitoolTimeoutError) throw err;
      if (err instanceof IpmitoolError && REJECTED.test(err.output)) this.stop(err.message);
      else this.log.warn({ err: (err as Error).message }, 'DCMI power reading failed; node power missing from this poll');
      return null;
    }
  }

  private stop(reason: string): void {
    this.supported = false;
    this.log.info({ reason }, 'BMC does not support DCMI power reading; using its sensors only');
  }
}
