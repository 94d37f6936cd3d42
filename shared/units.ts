/**
 * One place decides what "no value" means in tool output, so every parser
 * agrees: N/A is null, never 0 (Telegraf's nvidia_smi/common/setters.go does
 * the same job).
 *
 * Real inputs: `[N/A]`, `N/A`, `[Not Supported]`, `Not Available`,
 * `[Requested functionality has been deprecated]`, `[Function Not Found]`,
 * ipmitool's `na` / `no reading` / `disabled`, empty cells.
 */
const NO_VALUE = /^(\[.*\]|n\/?a|not available|not supported|no reading|disabled|unknown|-|)$/i;

/** True when a raw cell is one of the tools' "no reading" sentinels. */
export function isNoValue(raw: string | undefined | null): boolean {
  if (raw === undefined || raw === null) return true;
  return NO_VALUE.test(raw.trim());
}

/**
 * Parses a number that may carry a trailing unit (`39.32 W`, `575 MiB`,
 * `1980 MHz`, `38 %`). Returns null for sentinels and for anything that is
 * not a finite number.
 */
export function parseNumber(raw: string | undefined | null): number | null {
  if (isNoValue(raw)) return null;
  const hex = /^\s*0x([0-9a-f]+)\s*$/i.exec(raw as string);
  if (hex) return Number.parseInt(hex[1] as string, 16);
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)/.exec(raw as string);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
}

const BINARY_UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

/** Converts `575 MiB` (or a bare number plus a default unit) to bytes; null when unavailable. */
export function parseBytes(raw: string | undefined | null, defaultUnit = 'b'): number | null {
  const n = parseNumber(raw);
  if (n === null) return null;
  const unit = /([kmgt]?i?b)\s*$/i.exec((raw as string).trim())?.[1]?.toLowerCase() ?? defaultUnit.toLowerCase();
  const factor = BINARY_UNITS[unit];
  return factor === undefined ? null : n * factor;
}
