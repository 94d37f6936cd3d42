import { runCommand, type CommandResult } from '../run-command.js';
import type { Logger } from '../../../shared/log.js';
import { LineProcess } from '../line-process.js';
import { RowSets } from '../row-sets.js';
import { fieldById } from './fields.js';
import { parseDiscovery, type DcgmGpu } from './parse-discovery.js';
import { DmonParser, type DmonRow } from './parse-dmon.js';
import { parseHierarchy } from './parse-hierarchy.js';
import { parseInstanceProfiles } from './parse-instance-profiles.js';
import type { InstanceLabels } from './samples.js';

/** The first line a failed dcgmi printed, for a log line. */
function firstLine(r: CommandResult): string {
  return (r.stdout || r.stderr || r.failure).trim().split('\n')[0] ?? '';
}

/** `dcgmi discovery -l`: the GPUs the host engine sees, or why it cannot be asked. */
export async function discoverGpus(dcgmi: string): Promise<{ ok: true; gpus: DcgmGpu[] } | { ok: false; reason: string }> {
  const r = await runCommand(dcgmi, ['discovery', '-l'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) {
    return { ok: false, reason: `${dcgmi} ${r.code === 'ENOENT' ? 'not found' : `discovery failed (${firstLine(r)})`}` };
  }
  return { ok: true, gpus: parseDiscovery(r.stdout) };
}

/** `DCGM_FI_DEV_NAME`: on a GPU instance entity, its MIG profile name. */
const DEV_NAME_FIELD = 50;

/**
 * The MIG GPU instances the host engine sees, by DCGM entity id: `dcgmi
 * discovery -c` for the hierarchy, then one `dcgmi dmon -e 50 -i i:<id>,...
 * -c 1` for their profile names (where that fails, the instances have no
 * profile and `profileError` says why). Empty where no GPU is in MIG mode;
 * an error where the hierarchy cannot be read.
 */
export async function discoverInstances(
  dcgmi: string,
): Promise<{ ok: true; instances: Map<number, InstanceLabels>; profileError?: string } | { ok: false; reason: string }> {
  const r = await runCommand(dcgmi, ['discovery', '-c'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) return { ok: false, reason: `${dcgmi} discovery -c failed (${firstLine(r)})` };
  const found = parseHierarchy(r.stdout);
  if (found.length === 0) return { ok: true, instances: new Map() };
  const names = await runCommand(dcgmi, ['dmon', '-e', String(DEV_NAME_FIELD), '-i', instanceEntities(found.map((i) => i.entityId)), '-c', '1'], { timeoutMs: 10_000 });
  const failed = names.exitCode !== 0;
  const profiles = failed ? new Map<number, string>() : parseInstanceProfiles(names.stdout);
  return {
    ok: true,
    instances: new Map(found.map((i) => [i.entityId, { gpu: i.gpu, gpuUuid: i.gpuUuid, gpuInstanceId: i.gpuInstanceId, profile: profiles.get(i.entityId) }])),
    ...(failed ? { profileError: `${dcgmi} dmon -e ${DEV_NAME_FIELD} failed (${firstLine(names)})` } : {}),
  };
}

/** dmon's `-i` for GPU instance entity ids (`i:` is the GPU_I entity group in DCGM's EntityListParser). */
function instanceEntities(ids: readonly number[]): string {
  return ids.map((id) => `i:${id}`).join(',');
}

/**
 * The one long-running `dcgmi dmon -e <ids> -d <ms>` stream. Each iteration
 * prints one row per entity; a GPU row seen again closes the previous set,
 * and so does a short pause after the last row.
 */
export function dmonStream(opts: {
  dcgmi: string;
  fieldIds: readonly number[];
  intervalMs: number;
  /** MIG GPU instance entity ids to watch besides every GPU (`-i *,i:<id>,...`); none: dmon's default group, the GPUs. */
  instanceIds?: readonly number[];
  log: Logger;
  onSet: (rows: DmonRow[]) => void;
  /** After dmon exited (and its last set was delivered). */
  onExit?: () => void;
}): LineProcess {
  const parser = new DmonParser();
  const expected = opts.fieldIds.map((id) => fieldById(id)?.shortName ?? '');
  const said = new Set<string>();
  const sets = new RowSets<DmonRow>((r) => `${r.group} ${r.id}`, Math.min(100, opts.intervalMs / 4), (rows) => opts.onSet(rows));
  return new LineProcess({
    file: opts.dcgmi,
    args: ['dmon', '-e', opts.fieldIds.join(','), '-d', String(opts.intervalMs), ...(opts.instanceIds?.length ? ['-i', `*,${instanceEntities(opts.instanceIds)}`] : [])],
    log: opts.log,
    what: 'dcgmi dmon',
    onExit() {
      sets.flush();
      opts.onExit?.();
    },
    onLine(line) {
      const parsed = parser.line(line);
      if (parsed.kind === 'header' && parsed.names.join() !== expected.join()) {
        // Columns are read in -e order; a different title row means a DCGM that formats differently.
        opts.log.warn({ expected, got: parsed.names }, 'dcgmi dmon columns differ from the requested fields');
      } else if (parsed.kind === 'other' && !said.has(parsed.text)) {
        said.add(parsed.text);
        opts.log.warn({ line: parsed.text }, 'dcgmi dmon printed a line that is no row');
      } else if (parsed.kind === 'row') {
        sets.push(parsed.row);
      }
    },
  });
}
