import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Detection } from '../types.js';
import type { IpmiTarget } from './connection.js';

/** Device nodes of the kernel's IPMI driver (ipmi_devintf), by distribution and udev rules. */
export const LOCAL_DEVICES = ['/dev/ipmi0', '/dev/ipmi/0', '/dev/ipmidev/0'];

async function exists(path: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** The executable ipmitool resolves to: the path itself when it names one, else the first hit on PATH. */
export async function findExecutable(name: string, pathEnv: string): Promise<string | null> {
  if (name.includes('/')) return (await exists(name, constants.X_OK)) ? name : null;
  for (const dir of pathEnv.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await exists(candidate, constants.X_OK)) return candidate;
  }
  return null;
}

/**
 * Whether the IPMI collector can run here: ipmitool must be found, and then
 * either a local BMC device (`interface: open`) or a remote host (`lanplus`).
 */
export async function detectIpmi(
  ipmitool: string,
  target: IpmiTarget,
  opts: { devices?: readonly string[]; pathEnv?: string } = {},
): Promise<Detection> {
  const tool = await findExecutable(ipmitool, opts.pathEnv ?? process.env.PATH ?? '');
  if (!tool) return { available: false, reason: `${ipmitool} not found (apt-get install ipmitool)` };
  if (target.interface === 'lanplus') {
    if (!target.host) return { available: false, reason: 'interface lanplus but collectors.ipmi.host is not set' };
    return { available: true, reason: `remote BMC ${target.host}:${target.port} over lanplus with ${tool}` };
  }
  for (const dev of opts.devices ?? LOCAL_DEVICES) {
    if (await exists(dev)) return { available: true, reason: `local BMC through ${dev} with ${tool}` };
  }
  return { available: false, reason: `no ${(opts.devices ?? LOCAL_DEVICES).join(' or ')} (modprobe ipmi_devintf, or set a remote BMC host)` };
}
