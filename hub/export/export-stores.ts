import type { SeriesSource } from '../../shared/query/types.js';
import { invalidParameter } from '../api/errors.js';
import { remoteWarning, type RemoteReader, type SeriesRequest, type StoreName } from '../remote-read/remote-read.js';

/** The range one plan covers: a window, one step earlier when it reads counters. */
interface PlanRange {
  start: number;
  end: number;
  step: number;
}

/** What an export says about the stores it read (response headers X-Kcloud-Sources / X-Kcloud-Warnings, docs/api.md). */
export interface ExportStoreNote {
  sources: StoreName[];
  warnings: string[];
}

/**
 * The stores one export reads (docs/scale-out.md "Remote read"): the local
 * store, and with storage.remoteRead the remote one for the windows older
 * than the cut. The cut is fixed once per export; each window's remote part
 * is fetched just before the window is read (RemoteReader.plan, bounded by
 * MAX_REMOTE_POINTS), so memory holds one window whatever the range.
 *
 * A file has no room for metadata once it streams: what the first window(s)
 * found goes in the response headers (note(), called once the first row is
 * read). A remote failure before then leaves the export local with a
 * warning; after then the headers are gone, so the transfer is cut off
 * rather than finishing as a complete-looking file with rows missing.
 */
export class ExportStores {
  readonly sources: StoreName[];
  private readonly cut: number;
  private warning: string | null = null;
  private noted = false;

  constructor(
    readonly local: SeriesSource,
    private readonly remote: RemoteReader | null,
    private readonly range: PlanRange,
  ) {
    this.cut = remote ? remote.cut(range) : range.start;
    this.sources = this.cut <= range.start ? ['local'] : this.cut < range.end ? ['remote', 'local'] : ['remote'];
  }

  /** The source to read one window from: the local store, or the window's remote steps before the cut and local ones after. */
  async windowSource(requests: readonly SeriesRequest[], w: PlanRange): Promise<SeriesSource> {
    if (!this.remote || this.warning !== null) return this.local;
    const plan = await this.remote.plan(this.local, requests, w);
    if (!plan.failure) return plan.source;
    const span = `${new Date(this.range.start).toISOString()} to ${new Date(this.range.end).toISOString()}`;
    if (plan.failure.tooLarge) {
      const message = `the remote store's part of the export ${span} is too large (${plan.failure.reason} in one window of ${(w.end - w.start) / w.step} steps): use a larger step, a shorter range or a cluster`;
      if (!this.noted) throw invalidParameter('step', message);
      throw new Error(message);
    }
    if (this.noted) throw new Error(`remote store failed during the export ${span} (${plan.failure.reason}): transfer cut off`);
    this.warning = remoteWarning(plan.failure.reason, this.cut);
    return this.local;
  }

  /** The stores that served the export and its warnings, as they stand before the first row goes out; later failures cut the transfer instead. */
  note(): ExportStoreNote {
    this.noted = true;
    return this.warning === null ? { sources: this.sources, warnings: [] } : { sources: ['local'], warnings: [this.warning] };
  }
}

/** Response headers naming the stores an export read (docs/api.md): ASCII only, as HTTP headers must be. */
export function storeHeaders(note: ExportStoreNote): Record<string, string> {
  const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');
  const headers: Record<string, string> = { 'x-kcloud-sources': note.sources.join(', ') };
  if (note.warnings.length) headers['x-kcloud-warnings'] = note.warnings.map(ascii).join('; ');
  return headers;
}
