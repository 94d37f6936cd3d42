import { describe, expect, it } from 'vitest';
import { cpuUtilization, parseProcStatCpu } from '../../../../agent/collectors/host/proc-stat.js';

// First lines of a real /proc/stat (proc(5) layout: user nice system idle iowait irq softirq steal guest guest_nice).
const A = 'cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0\ncpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0\n';
const B = 'cpu  10132253 290696 3084819 46829283 16683 0 25195 0 175700 0\n';

describe('/proc/stat CPU', () => {
  it('sums the cpu line without counting guest time twice', () => {
    expect(parseProcStatCpu(A)).toEqual({ idle: 46828483 + 16683, total: 10132153 + 290696 + 3084719 + 46828483 + 16683 + 25195 });
  });

  it('computes busy percent between two readings', () => {
    // +100 user, +100 system, +800 idle: 20 % busy.
    expect(cpuUtilization(parseProcStatCpu(A), parseProcStatCpu(B))).toBeCloseTo(20, 10);
    expect(cpuUtilization(parseProcStatCpu(A), parseProcStatCpu(A))).toBeNull();
  });

  it('rejects a file without the cpu line', () => {
    expect(() => parseProcStatCpu('intr 1 2 3\n')).toThrow(/no "cpu" line/);
  });
});
