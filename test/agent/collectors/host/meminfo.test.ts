import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostSpec } from '../../../../agent/collectors/host/index.js';
import { parseMeminfo } from '../../../../agent/collectors/host/meminfo.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { memoryLogger } from '../../../helpers/logger.js';

// The head of /proc/meminfo as read on the development VM (Linux 6.18, 24 GiB).
const MEMINFO = `MemTotal:       24683784 kB
MemFree:        16569640 kB
MemAvailable:   20304408 kB
Buffers:           41416 kB
Cached:          3387136 kB
SwapCached:            0 kB
Active:           837904 kB
Inactive:        6243792 kB
Slab:             412300 kB
`;

describe('parseMeminfo', () => {
  it('reads the total and what processes hold (MemTotal − MemAvailable), in bytes', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({ total: 24683784 * 1024, active: (24683784 - 20304408) * 1024 });
  });

  it('without MemAvailable (kernels before 3.14), counts free, buffers, page cache and slab as available', () => {
    const old = MEMINFO.split('\n').filter((l) => !l.startsWith('MemAvailable')).join('\n');
    expect(parseMeminfo(old).active).toBe((24683784 - 16569640 - 41416 - 3387136 - 412300) * 1024);
  });

  it('refuses a text without MemTotal', () => {
    expect(() => parseMeminfo('MemFree: 1 kB\n')).toThrow(/MemTotal/);
  });

  it("reads this machine's /proc/meminfo", async () => {
    expect(parseMeminfo(await readFile('/proc/meminfo', 'utf8')).total).toBe(totalmem());
  });
});

describe('host collector memory', () => {
  it('comes from procRoot/meminfo (a container reading the host through a mounted /proc)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kcloud-procroot-'));
    try {
      mkdirSync(join(root, 'net'));
      writeFileSync(join(root, 'meminfo'), MEMINFO);
      writeFileSync(join(root, 'stat'), 'cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0\n');
      writeFileSync(join(root, 'net/dev'), 'Inter-|   Receive\n face |bytes\n');
      const spec = hostSpec(loadAgentConfig(undefined, { KCLOUD_PROC_ROOT: root }), { log: memoryLogger().log, latest: new LatestValues() });
      const samples = await spec.collect(Date.now());
      const value = (metric: string) => samples.find((s) => s.metric === metric)?.value;
      expect(value('host_memory_total_bytes')).toBe(24683784 * 1024);
      expect(value('host_memory_used_bytes')).toBe((24683784 - 20304408) * 1024);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
