import type { InventoryMessage, StatusMessage } from '../../shared/schema/message.js';
import { safeText } from '../../shared/schema/safe-text.js';

/** Longest agent version, collector reason, inventory string and inventory key kept. */
const VERSION_MAX = 64;
const REASON_MAX = 300;
const FACT_MAX = 1024;
const KEY_MAX = 128;

/**
 * The free text of a status (agent version, collector reasons) capped and
 * cleaned (safeText) in place, before it is stored and served: the node
 * list's answers and notifications carry it.
 */
export function cleanStatusText(msg: StatusMessage): void {
  if (msg.agentVersion !== undefined) msg.agentVersion = safeText(msg.agentVersion, VERSION_MAX);
  for (const source of Object.values(msg.sources ?? {})) source.reason = safeText(source.reason, REASON_MAX);
}

/**
 * Every string of an inventory, keys included, capped and cleaned in place
 * (node list answers carry the facts). Iterative: the decoder bounded its
 * depth and size (shared/schema/message.ts), this walk does not rely on it.
 */
export function cleanInventoryText(msg: InventoryMessage): void {
  const stack: unknown[] = [msg.inventory];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    const entries = v as Record<string, unknown>;
    for (const k of Object.keys(entries)) {
      const child = entries[k];
      const key = Array.isArray(v) ? k : safeText(k, KEY_MAX);
      if (key !== k) delete entries[k];
      if (typeof child === 'string') entries[key] = safeText(child, FACT_MAX);
      else {
        entries[key] = child;
        stack.push(child);
      }
    }
  }
}
