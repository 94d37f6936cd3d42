import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

const AXIS = { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.25)' }, ticks: { stroke: 'rgba(128,128,128,0.4)' } };

/**
 * A uPlot time-series chart (canvas: ~50 KB, made for many points) that
 * fills its container's width. `times` are epoch seconds. The figure has a
 * text alternative (the caption and the last value), since a canvas says
 * nothing to a screen reader.
 */
export function LineChart(props: { title: string; times: number[]; series: Series[]; unit: string; height?: number; xRange?: [number, number] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { title, times, series, unit, height = 220, xRange } = props;
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      scales: { x: { time: true, ...(xRange ? { range: () => xRange } : {}) } },
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false, points: { show: times.length < 3 }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${v.toFixed(1)} ${unit}`) }))],
      axes: [AXIS, { ...AXIS, size: 60, values: (_u, vals) => vals.map((v) => `${v} ${unit}`) }],
      legend: { show: true },
    };
    plot.current = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [times, series, unit, height, xRange]);
  const last = series.map((s) => `${s.label} ${s.values.at(-1)?.toFixed(1) ?? 'no data'} ${unit}`).join(', ');
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${times.length} points; latest: ${last}`} />
      {times.length === 0 && <p class="muted">No samples in this range.</p>}
    </figure>
  );
}
