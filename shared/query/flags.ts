import { parseLabelFlag, parseSelector } from './matchers.js';
import { resolveRange } from './range.js';
import { AGGREGATIONS, type Aggregation, type RangeQuery } from './types.js';

/** The range flags both `kcloud-agent query` and `kcloud-hub query` take. */
export interface RangeFlags {
  since: string;
  start?: string;
  end?: string;
  step: string;
  agg: string;
  label: string[];
  groupBy?: string;
}

/**
 * Turns a selector and the command line into a RangeQuery; throws with a
 * message naming the bad flag. `shortcuts` are equality filters that have a
 * flag of their own (`--gpu`, `--node`, `--cluster`); unset ones are skipped.
 */
export function queryFromFlags(selector: string, flags: RangeFlags, shortcuts: Record<string, string | undefined> = {}, now = Date.now()): RangeQuery {
  if (!(AGGREGATIONS as readonly string[]).includes(flags.agg)) throw new Error(`invalid --agg "${flags.agg}": use ${AGGREGATIONS.join(', ')}`);
  const { metric, matchers } = parseSelector(selector);
  matchers.push(...flags.label.map(parseLabelFlag));
  for (const [label, value] of Object.entries(shortcuts)) if (value !== undefined) matchers.push({ label, op: '=', value });
  const range = resolveRange({ since: flags.since, start: flags.start, end: flags.end, step: flags.step }, now);
  const groupBy = flags.groupBy
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { metric, matchers, ...range, agg: flags.agg as Aggregation, groupBy };
}
