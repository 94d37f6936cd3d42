/** Memory of the host from /proc/meminfo, in bytes. */
export interface MemReading {
  total: number;
  /** What processes hold: MemTotal − MemAvailable (page cache and reclaimable slab excluded). */
  active: number;
}

/**
 * Parses /proc/meminfo (proc(5); values in kB):
 *   MemTotal:       24683784 kB
 *   MemAvailable:   21374820 kB
 * `active` is what systeminformation's mem() called it, which the agent read
 * before: total − MemAvailable, or where a kernel older than 3.14 has no
 * MemAvailable, total − (MemFree + Buffers + Cached + Slab).
 */
export function parseMeminfo(text: string): MemReading {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]) * 1024);
  }
  const total = kb.get('MemTotal');
  if (total === undefined) throw new Error('/proc/meminfo has no MemTotal');
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0) + (kb.get('Slab') ?? 0);
  return { total, active: total - available };
}
