import type { Logger } from '../../../shared/log.js';
import { describeTarget, type IpmiTarget } from './connection.js';
import { parseFru, parseMcInfo } from './parse-inventory.js';
import { parseSensor, type Thresholds } from './parse-sensor.js';
import type { Ipmitool } from './source.js';

export interface SensorThresholds extends Partial<Thresholds> {
  sensor: string;
  unit: string;
}

/**
 * The `bmc` inventory section: identity from `mc info` (required), the
 * machine from the built-in FRU and sensor thresholds from `sensor`
 * (optional: each is left out, with a log line, when the BMC cannot give it;
 * `sdrArgs` is the SDR cache's `-S <file>`).
 * Thresholds change only with firmware, so they travel here, not per poll.
 */
export async function readBmcInventory(ipmitool: Ipmitool, target: IpmiTarget, sdrArgs: string[], log: Logger): Promise<Record<string, unknown>> {
  const bmc: Record<string, unknown> = {
    address: describeTarget(target),
    interface: target.interface,
    ...parseMcInfo((await ipmitool(['mc', 'info'])).stdout),
  };
  try {
    bmc.system = parseFru((await ipmitool(['fru', 'print', '0'])).stdout);
  } catch (err) {
    log.info({ err: (err as Error).message }, 'no FRU 0 on this BMC; inventory without system serials');
  }
  try {
    bmc.thresholds = thresholdsOf((await ipmitool([...sdrArgs, 'sensor'])).stdout);
  } catch (err) {
    log.info({ err: (err as Error).message }, 'BMC sensor thresholds unavailable');
  }
  return bmc;
}

/** Thresholds the BMC has set (`na` ones left out), per sensor with at least one. */
export function thresholdsOf(sensorTable: string): SensorThresholds[] {
  const out: SensorThresholds[] = [];
  for (const row of parseSensor(sensorTable)) {
    const set = Object.entries(row.thresholds).filter(([, v]) => v !== null);
    if (set.length > 0) out.push({ sensor: row.name, unit: row.unit, ...Object.fromEntries(set) });
  }
  return out;
}
