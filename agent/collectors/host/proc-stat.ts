/** Aggregate CPU time from the first line of /proc/stat, in clock ticks. */
export interface CpuTimes {
  idle: number;
  total: number;
}

/**
 * Parses the `cpu` line of /proc/stat (proc(5)):
 *   cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0
 * (user nice system idle iowait irq softirq steal guest guest_nice).
 * guest time is already inside user/nice, so it is not added again.
 */
export function parseProcStatCpu(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no "cpu" line');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { idle: idle + iowait, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** Busy percentage between two readings; null when no time passed. */
export function cpuUtilization(prev: CpuTimes, cur: CpuTimes): number | null {
  const total = cur.total - prev.total;
  if (total <= 0) return null;
  return Math.min(100, Math.max(0, (1 - (cur.idle - prev.idle) / total) * 100));
}
