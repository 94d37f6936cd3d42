/** Parses durations written as `250ms`, `1s`, `5m`, `24h`, `7d`, `2w` (or a bare number of ms) into milliseconds. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error(`invalid duration: ${input}`);
    return input;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)?\s*$/.exec(input);
  if (!m) throw new Error(`invalid duration "${input}" (use e.g. 500ms, 10s, 5m, 1h, 7d)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 }[unit] as number;
  return Math.round(n * factor);
}

/** Formats milliseconds as the shortest exact duration string (`90000` -> `90s`). */
export function formatDuration(ms: number): string {
  for (const [unit, f] of [['d', 86400e3], ['h', 3600e3], ['m', 60e3], ['s', 1e3]] as const) {
    if (ms >= f && ms % f === 0) return `${ms / f}${unit}`;
  }
  return `${ms}ms`;
}
