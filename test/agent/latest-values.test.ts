import { describe, expect, it } from 'vitest';
import { LatestValues, seriesKey } from '../../agent/latest-values.js';

describe('LatestValues', () => {
  it('one series whatever the order its labels arrive in, newest reading kept', () => {
    const latest = new LatestValues();
    latest.update([{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-a' }, value: 100, ts: 1000 }], 0);
    latest.update([{ metric: 'gpu_power_watts', labels: { uuid: 'GPU-a', gpu: '0' }, value: 200, ts: 2000 }], 0);
    // An older reading arriving late does not replace the newer one, in either label order.
    latest.update([{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-a' }, value: 50, ts: 1500 }], 0);
    expect(latest.ofMetric('gpu_power_watts')).toEqual([{ metric: 'gpu_power_watts', labels: { uuid: 'GPU-a', gpu: '0' }, value: 200, ts: 2000 }]);
    expect(latest.get('gpu_power_watts', { uuid: 'GPU-a', gpu: '0' })!.value).toBe(200);
    expect(latest.get('gpu_power_watts', { gpu: '0', uuid: 'GPU-a' })!.value).toBe(200);
  });

  it('tells apart series whose labels differ, also by values that look alike once joined', () => {
    const latest = new LatestValues();
    latest.update(
      [
        { metric: 'm', labels: { a: 'x,b=y' }, value: 1, ts: 1 },
        { metric: 'm', labels: { a: 'x', b: 'y' }, value: 2, ts: 1 },
        { metric: 'm', value: 3, ts: 1 },
        { metric: 'm', labels: {}, value: 4, ts: 2 },
      ],
      0,
    );
    expect(seriesKey('m', {})).toBe(seriesKey('m', undefined));
    expect(latest.get('m', { a: 'x,b=y' })!.value).toBe(1);
    expect(latest.get('m', { b: 'y', a: 'x' })!.value).toBe(2);
    // No labels and empty labels are the same series: the later reading won.
    expect(latest.get('m')!.value).toBe(4);
  });

  it('samples without ts take the fallback time; prune forgets series not updated since, and they can come back', () => {
    const latest = new LatestValues();
    latest.update([{ metric: 'gpu_process_memory_used_bytes', labels: { pid: '11' }, value: 1 }], 1000);
    latest.update([{ metric: 'gpu_process_memory_used_bytes', labels: { pid: '12' }, value: 2 }], 5000);
    latest.prune(2000);
    expect(latest.ofMetric('gpu_process_memory_used_bytes').map((s) => [s.labels.pid, s.ts])).toEqual([['12', 5000]]);
    latest.update([{ metric: 'gpu_process_memory_used_bytes', labels: { pid: '11' }, value: 7 }], 6000);
    expect(latest.get('gpu_process_memory_used_bytes', { pid: '11' })).toEqual({ metric: 'gpu_process_memory_used_bytes', labels: { pid: '11' }, value: 7, ts: 6000 });
    expect([...latest.all()]).toHaveLength(2);
  });
});
