import { fieldByName, type DcgmField } from './fields.js';

/**
 * Pure parser for dcgm-exporter counter files (`etc/default-counters.csv`,
 * `etc/dcp-metrics-included.csv`). Real lines:
 *   DCGM_FI_DEV_POWER_USAGE,              gauge, Power draw (in W).
 *   DCGM_FI_DEV_DEC_UTIL ,     gauge, Decoder utilization (in %).
 *   # DCGM_FI_DEV_ECC_SBE_VOL_TOTAL, counter, Total number of single-bit volatile ECC errors.
 * Spaces around commas are irregular (even before one); a `# DCGM_...` line
 * is a counter switched off, any other `#` line a comment.
 */
export interface CounterEntry {
  name: string;
  /** `gauge`, `counter` or `label`. */
  type: string;
  help: string;
  enabled: boolean;
}

/** Every counter line, enabled or commented out, in file order. */
export function parseCountersCsv(text: string): CounterEntry[] {
  const out: CounterEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    const enabled = !line.startsWith('#');
    if (!enabled) line = line.replace(/^#\s*/, '');
    if (!/^DCGM_[A-Z0-9_]+\s*,/.test(line)) continue;
    const [name, type, ...help] = line.split(',');
    out.push({ name: name!.trim(), type: (type ?? '').trim(), help: help.join(',').trim(), enabled });
  }
  return out;
}

/** The enabled counters kcloud can publish, with their field mapping, and the ones it cannot. */
export function mapCounters(entries: readonly CounterEntry[]): { mapped: { entry: CounterEntry; field: DcgmField }[]; unmapped: CounterEntry[] } {
  const mapped: { entry: CounterEntry; field: DcgmField }[] = [];
  const unmapped: CounterEntry[] = [];
  for (const entry of entries.filter((e) => e.enabled)) {
    const field = fieldByName(entry.name);
    if (field) mapped.push({ entry, field });
    else unmapped.push(entry);
  }
  return { mapped, unmapped };
}
