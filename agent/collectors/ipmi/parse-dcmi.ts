export interface DcmiPowerReading {
  /** Watts; null when the BMC says the reading is deactivated (the numbers are then stale or invented). */
  instantWatts: number | null;
  minWatts: number | null;
  maxWatts: number | null;
  avgWatts: number | null;
  samplingPeriodSeconds: number | null;
  active: boolean;
}

/**
 * Parses `ipmitool dcmi power reading`:
 *
 *     Instantaneous power reading:                   840 Watts
 *     Sampling period:                          00000060 Seconds.
 *     Power reading state is:                   activated
 *
 * OpenBMC prints 234 W with state "deactivated" and a 1970 timestamp: such
 * readings are not trusted.
 */
export function parseDcmiPowerReading(text: string): DcmiPowerReading {
  const watts = (label: string) => {
    const m = new RegExp(`${label}:\\s+(\\d+)\\s+Watts`).exec(text);
    return m ? Number(m[1]) : null;
  };
  const state = /Power reading state is:\s+(\w+)/.exec(text)?.[1];
  const active = state === 'activated';
  const period = /Sampling period:\s+(\d+)\s+Seconds/.exec(text);
  const keep = (v: number | null) => (active ? v : null);
  return {
    instantWatts: keep(watts('Instantaneous power reading')),
    minWatts: keep(watts('Minimum during sampling period')),
    maxWatts: keep(watts('Maximum during sampling period')),
    avgWatts: keep(watts('Average power reading over sample period')),
    samplingPeriodSeconds: period ? Number(period[1]) : null,
    active,
  };
}
