/** `ipmitool dcmi power reading`, in watts. */
export interface DcmiPowerReading {
  /** Null when the reading is not valid: state `deactivated`, or the 65535 W some firmwares send for "none". */
  instantWatts: number | null;
  minWatts: number | null;
  maxWatts: number | null;
  avgWatts: number | null;
  /** Statistics period in seconds (`00000060 Seconds.`, or `5_sec`, `1_min`, `1_hour` with a sample-time argument). */
  samplingPeriodSeconds: number | null;
  /** `Power reading state is: activated`. */
  active: boolean;
}

// 0xFFFF in the 16-bit power fields is what BMCs without a meter answer.
const NO_READING = 65535;
const PERIOD_UNIT: Record<string, number> = { sec: 1, min: 60, hour: 3600 };

/**
 * Parses `ipmitool dcmi power reading` (lib/ipmi_dcmi.c), indented or not.
 * ipmitool 1.8.19 prints no newline after the timestamp, so `Sampling
 * period` may share its line:
 *
 *     Instantaneous power reading:                   840 Watts
 *     IPMI timestamp:                           11/22/26 16:56:35 UTC    Sampling period:                          00000060 Seconds.
 *     Power reading state is:                   activated
 *
 * A BMC that never enabled DCMI statistics says `deactivated` (OpenBMC prints
 * 234 W with a 1970 timestamp): its numbers are not readings. Returns null
 * when the text is no power reading at all (`DCMI request failed because:
 * Invalid command (c1)`).
 */
export function parseDcmiPowerReading(text: string): DcmiPowerReading | null {
  const watts = (label: string) => {
    const m = new RegExp(`${label}:\\s+(\\d+) Watts`).exec(text);
    return m ? Number(m[1]) : null;
  };
  const instant = watts('Instantaneous power reading');
  if (instant === null) return null;
  const active = /Power reading state is:\s+activated\b/.test(text);
  const valid = (v: number | null) => (active && v !== NO_READING ? v : null);
  return {
    instantWatts: valid(instant),
    minWatts: valid(watts('Minimum during sampling period')),
    maxWatts: valid(watts('Maximum during sampling period')),
    avgWatts: valid(watts('Average power reading over sample period')),
    samplingPeriodSeconds: samplingPeriod(text),
    active,
  };
}

function samplingPeriod(text: string): number | null {
  const seconds = /Sampling period:\s+(\d+) Seconds/.exec(text);
  if (seconds) return Number(seconds[1]);
  const named = /Sampling period:\s+(\d+)_(sec|min|hour)\b/.exec(text);
  return named ? Number(named[1]) * PERIOD_UNIT[named[2]!]! : null;
}
