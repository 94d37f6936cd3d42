import { dmonHeader, dmonTextRow, type DmonLayout } from './parse-dmon.js';

/** DCGM's string sentinels (`dcgm_structs.h`): no profile name to report. */
const NO_NAME = new Set(['', 'N/A', '<<<NULL>>>', '<<<NOT_FOUND>>>', '<<<NOT_SUPPORTED>>>', '<<<NOT_PERM>>>']);

/**
 * Pure parser for `dcgmi dmon -e 50 -i i:<id>,... -c 1`: field 50
 * (`DCGM_FI_DEV_NAME`) on a GPU instance is its MIG profile name
 * (`3g.40gb`; DcgmCacheManager answers it from NVML's profile info), which is
 * how dcgm-exporter fills `GPU_I_PROFILE`. Rows are `GPU-I <entity id>`
 * with the name left-aligned under `DVNAM`; entity id -> profile.
 */
export function parseInstanceProfiles(text: string): Map<number, string> {
  const out = new Map<number, string>();
  let layout: DmonLayout | null = null;
  for (const line of text.split(/\r?\n/)) {
    layout = dmonHeader(line) ?? layout;
    const row = layout && dmonTextRow(layout, line);
    const name = row?.group === 'GPU-I' ? row.texts[layout!.names.indexOf('DVNAM')] : undefined;
    if (row && name !== undefined && !NO_NAME.has(name)) out.set(row.id, name);
  }
  return out;
}
