import { prng } from '../../../helpers/prng.js';

/**
 * Synthetic but realistic GPU telemetry for tsdb tests and benchmarks. Levels
 * are the H100 idle/load captures in
 * ../shared/fixtures/nvidia-smi-csv/h100-80gb-hbm3-590.48.01-{idle,load}-query-gpu-all.csv
 * (`631.95 W`, `100 %`, `59` °C, `1980 MHz`, `19818 MiB` under load;
 * `69.85 W`, `0 %`, `41` °C, `345 MHz`, `0 MiB` idle), printed with the
 * precision nvidia-smi prints (power with 2 decimals, the rest integers,
 * energy from millijoules). Each GPU alternates load and idle phases of
 * random length; every node stamps one timestamp per 1 s tick with a few ms
 * of jitter, shared by all its samples, as the agent does.
 */
export interface Row {
  metric: string;
  labels: Record<string, string>;
  ts: number;
  value: number;
}

export { prng };

export const GPU_METRICS = [
  'gpu_power_watts',
  'gpu_utilization_percent',
  'gpu_memory_utilization_percent',
  'gpu_temperature_celsius',
  'gpu_memory_temperature_celsius',
  'gpu_sm_clock_mhz',
  'gpu_memory_used_bytes',
  'gpu_energy_joules',
] as const;

/**
 * Four more series per GPU that nvidia-smi gives every second, for the
 * 12-metric data set of issue 20 (125 nodes x 8 GPUs x 12 metrics): mostly
 * flat, as they are on a real fleet, which is what a store must make cheap.
 */
export const EXTRA_GPU_METRICS = ['gpu_power_limit_watts', 'gpu_memory_clock_mhz', 'gpu_memory_free_bytes', 'gpu_throttle_reasons'] as const;
/** H100 80GB HBM3: 81559 MiB total, 700 W limit, 2619 MHz memory clock (the fixtures' values). */
const TOTAL_MIB = 81559;

const MIB = 1048576;

interface GpuState {
  labels: Record<string, string>;
  load: boolean;
  phaseLeft: number;
  temp: number;
  memTemp: number;
  memMib: number;
  energyMj: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** A fleet of `nodes` x `gpus` GPUs, 8 or 12 series per GPU, ticking once a second. */
export class Fleet {
  private readonly rnd: () => number;
  private readonly gpus: GpuState[][] = [];
  private tick = 0;

  constructor(
    readonly nodes: number,
    readonly gpusPerNode: number,
    private readonly start: number,
    seed = 1,
    /** 8 (GPU_METRICS) or 12 (with EXTRA_GPU_METRICS). */
    readonly metricsPerGpu: 8 | 12 = 8,
  ) {
    this.rnd = prng(seed);
    for (let n = 0; n < nodes; n++) {
      const row: GpuState[] = [];
      for (let g = 0; g < gpusPerNode; g++) {
        row.push({
          labels: { cluster: 'c1', node: `gpu-node-${String(n).padStart(3, '0')}`, gpu: String(g), uuid: `GPU-${n}-${g}` },
          load: this.rnd() < 0.5,
          phaseLeft: Math.floor(this.rnd() * 3600),
          temp: 41,
          memTemp: 48,
          memMib: 0,
          energyMj: Math.floor(this.rnd() * 1e9),
        });
      }
      this.gpus.push(row);
    }
  }

  get seriesCount(): number {
    return this.nodes * this.gpusPerNode * this.metricsPerGpu;
  }

  /** The samples of the next second, all nodes. */
  next(): Row[] {
    const rows: Row[] = [];
    const r = this.rnd;
    for (const node of this.gpus) {
      const ts = this.start + this.tick * 1000 + Math.floor(r() * 8);
      for (const g of node) {
        if (--g.phaseLeft <= 0) {
          g.load = !g.load;
          g.phaseLeft = 60 + Math.floor(r() * 5400);
          g.memMib = g.load ? 19818 + Math.floor(r() * 40000) : 0;
        }
        const power = g.load ? round2(600 + r() * 60 - 30 + (r() < 0.02 ? -200 : 0)) : round2(69 + r() * 2);
        const util = g.load ? Math.min(100, 92 + Math.floor(r() * 10)) : r() < 0.05 ? Math.floor(r() * 5) : 0;
        const memUtil = g.load ? 8 + Math.floor(r() * 6) : 0;
        const targetTemp = g.load ? 59 : 41;
        if (r() < 0.05) g.temp += Math.sign(targetTemp - g.temp) || (r() < 0.5 ? -1 : 1);
        if (r() < 0.03) g.memTemp += Math.sign(targetTemp - 5 - g.memTemp) || (r() < 0.5 ? -1 : 1);
        const clock = g.load ? 1980 - (r() < 0.1 ? 15 * Math.floor(r() * 4) : 0) : 345;
        if (g.load && r() < 0.01) g.memMib += Math.floor(r() * 512) - 256;
        g.energyMj += Math.round(power * 1000);
        const values = [power, util, memUtil, g.temp, g.memTemp, clock, g.memMib * MIB, g.energyMj / 1000];
        for (let m = 0; m < GPU_METRICS.length; m++) rows.push({ metric: GPU_METRICS[m]!, labels: g.labels, ts, value: values[m]! });
        if (this.metricsPerGpu === 12) {
          // Power-cap throttling (bit 0x4, SW power cap) shows up now and then under load.
          const extra = [700, 2619, (TOTAL_MIB - g.memMib) * MIB, g.load && power > 620 ? 4 : 0];
          for (let m = 0; m < EXTRA_GPU_METRICS.length; m++) rows.push({ metric: EXTRA_GPU_METRICS[m]!, labels: g.labels, ts, value: extra[m]! });
        }
      }
    }
    this.tick++;
    return rows;
  }
}
