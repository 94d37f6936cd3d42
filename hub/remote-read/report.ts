import type { StoreName } from './remote-read.js';

/**
 * What `kcloud-hub query` prints on stderr (stdout stays the table, JSON or
 * CSV) when a remote store is configured: which stores served the answer,
 * and the warning when the remote one was needed and not read.
 */
export function storeNote(meta: { sources?: StoreName[]; warnings?: string[] }): string {
  const lines = (meta.warnings ?? []).map((w) => `kcloud-hub: warning: ${w}\n`);
  if (meta.sources) lines.unshift(`kcloud-hub: served by ${meta.sources.join(' + ')} store\n`);
  return lines.join('');
}
