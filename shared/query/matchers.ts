import type { Labels } from '../schema/message.js';
import type { Matcher } from './types.js';

const SELECTOR = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$/s;
const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/** Parses a PromQL-style selector: `gpu_power_watts{gpu="0",node=~"gpu-0[1-4]"}`. */
export function parseSelector(text: string): { metric: string; matchers: Matcher[] } {
  const m = SELECTOR.exec(text);
  if (!m) throw new Error(`invalid selector "${text}": expected metric{label="value",...}`);
  const body = (m[2] ?? '').trim();
  const matchers: Matcher[] = [];
  MATCHER.lastIndex = 0;
  while (MATCHER.lastIndex < body.length) {
    const start = MATCHER.lastIndex;
    const mm = MATCHER.exec(body);
    if (!mm) throw new Error(`invalid label matcher in "${text}" at "${body.slice(start)}"`);
    matchers.push(checked({ label: mm[1]!, op: mm[2] as Matcher['op'], value: JSON.parse(`"${mm[3]!}"`) as string }));
  }
  return { metric: m[1]!, matchers };
}

/** Parses a `--label k=v` (or `k!=v`, `k=~re`, `k!~re`) flag. */
export function parseLabelFlag(text: string): Matcher {
  const m = /^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)(.*)$/.exec(text);
  if (!m) throw new Error(`invalid label filter "${text}": expected name=value`);
  return checked({ label: m[1]!, op: m[2] as Matcher['op'], value: m[3]! });
}

function checked(m: Matcher): Matcher {
  if (m.op === '=~' || m.op === '!~') {
    try {
      new RegExp(m.value);
    } catch {
      throw new Error(`invalid regular expression for label ${m.label}: ${m.value}`);
    }
  }
  return m;
}

/** Compiled regexes of recent matchers; bounded because the hub runs user-supplied ones for weeks. */
const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_MAX = 256;

/** True when the labels satisfy the matcher; a missing label reads as "" (as in PromQL). */
export function matches(labels: Labels, m: Matcher): boolean {
  const v = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    default: {
      let re = regexCache.get(m.value);
      if (!re) {
        // Anchored like PromQL: `=~"gpu-0"` does not match "gpu-01".
        re = new RegExp(`^(?:${m.value})$`);
        if (regexCache.size >= REGEX_CACHE_MAX) regexCache.clear();
        regexCache.set(m.value, re);
      }
      return re.test(v) === (m.op === '=~');
    }
  }
}

/** True when the labels satisfy every matcher (an empty list matches everything). */
export function matchesAll(labels: Labels, ms: readonly Matcher[]): boolean {
  return ms.every((m) => matches(labels, m));
}
