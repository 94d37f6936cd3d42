import { parseLabelFlag, parseSelector } from './matchers.js';
import { ALIGNMENTS, resolveRange, type Alignment } from './range.js';
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
  sumBy?: string;
  /** `start` (kcloud's, default) or `end` (PromQL's): which end of its step a point is stamped with. */
  align?: string;
}

function labelList(text: string | undefined): string[] | undefined {
  return text
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Turns a selector and the command line into a RangeQuery; throws with a
 * message naming the bad flag. `shortcuts` are equality filters that have a
 * flag of their own (`--gpu`, `--node`, `--cluster`); unset ones are skipped.
 */
export function queryFromFlags(selector: string, flags: RangeFlags, shortcuts: Record<string, string | undefined> = {}, now = Date.now()): RangeQuery {
  if (!(AGGREGATIONS as readonly string[]).includes(flags.agg)) throw new Error(`invalid --agg "${flags.agg}": use ${AGGREGATIONS.join(', ')}`);
  if (flags.align !== undefined && !(ALIGNMENTS as readonly string[]).includes(flags.align)) throw new Error(`invalid --align "${flags.align}": use ${ALIGNMENTS.join(' or ')}`);
  if (flags.groupBy !== undefined && flags.sumBy !== undefined) throw new Error('give --group-by or --sum-by, not both');
  const { metric, matchers } = parseSelector(selector);
  matchers.push(...flags.label.map(parseLabelFlag));
  for (const [label, value] of Object.entries(shortcuts)) if (value !== undefined) matchers.push({ label, op: '=', value });
  const range = resolveRange({ since: flags.since, start: flags.start, end: flags.end, step: flags.step, align: flags.align as Alignment | undefined }, now);
  const groupBy = labelList(flags.groupBy);
  const sumBy = labelList(flags.sumBy);
  return { metric, matchers, ...range, agg: flags.agg as Aggregation, ...(groupBy ? { groupBy } : {}), ...(sumBy ? { sumBy } : {}) };
}
