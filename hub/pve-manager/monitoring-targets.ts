import { randomBytes } from 'node:crypto';
import { chmod, rename, unlink, writeFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';

/** A host whose kcloud agent serves /metrics: a managed server (by its IP) or a PVE node (by its cluster IP, else its name). */
export interface AgentHost {
  kind: 'server' | 'pve_node';
  name: string;
  address: string;
  /** The server's role; absent for nodes. */
  role?: string;
}

/** One target group of Prometheus' file_sd format (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#file_sd_config). */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** The file written in `pveManager.monitoring.prometheus.targetsDir` (a file_sd `files:` glob such as `<dir>/*.json` picks it up). */
export const TARGETS_FILE = 'kcloud-agents.json';

/** `host:port`, an IPv6 address in brackets. */
const hostPort = (address: string, port: number) => `${isIPv6(address) ? `[${address}]` : address}:${port}`;

/**
 * One group per host, so each carries its own labels: `instance` is the
 * host's name (as the hub's own http_sd does), `kcloud_kind`
 * server / pve_node, `kcloud_role` for servers. Sorted, so the same fleet
 * writes the same file.
 */
export function targetGroups(hosts: readonly AgentHost[], port: number): TargetGroup[] {
  return [...hosts]
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name))
    .map((h) => ({ targets: [hostPort(h.address, port)], labels: { instance: h.name, kcloud_kind: h.kind, ...(h.role && { kcloud_role: h.role }) } }));
}

/**
 * Writes the groups to `dir/kcloud-agents.json` atomically: a temp file in
 * the same directory (a name file_sd's `*.json` does not match), then a
 * rename, so Prometheus never reads half a file. 0644: target lists hold no
 * secret and Prometheus runs as another user.
 */
export async function writeTargetsFile(dir: string, groups: readonly TargetGroup[]): Promise<string> {
  const file = join(dir, TARGETS_FILE);
  const temp = join(dir, `.${TARGETS_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify(groups, null, 2)}\n`, { mode: 0o644, flag: 'wx' });
    // The umask may have taken bits off the mode asked for at creation.
    await chmod(temp, 0o644);
    await rename(temp, file);
  } catch (err) {
    // The temp file may not exist (the write itself failed); the first error is the one to report.
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return file;
}
