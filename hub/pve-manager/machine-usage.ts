import { statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';

export interface MachineUsage {
  cpu_usage: number;
  memory_usage: number;
  disk_usage: number;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/**
 * This machine's CPU (busy share since the previous call; since boot on the
 * first), memory and the data dir's file system, in %.
 */
export class MachineUsageMeter {
  private last = { busy: 0, total: 0 };

  constructor(private readonly dataDir: string) {}

  async read(): Promise<MachineUsage> {
    const now = cpuTimes();
    const dt = now.total - this.last.total;
    const cpu = dt > 0 ? (now.busy - this.last.busy) / dt : 0;
    this.last = now;
    const fs = await statfs(this.dataDir);
    const disk = fs.blocks > 0 ? 1 - fs.bavail / fs.blocks : 0;
    return { cpu_usage: round1(cpu * 100), memory_usage: round1((1 - freemem() / totalmem()) * 100), disk_usage: round1(disk * 100) };
  }
}
