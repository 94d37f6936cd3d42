/**
 * Pure parser for the NVIDIA driver's XID line in the kernel log. The
 * open kernel modules (src/nvidia/src/kernel/gpu/rc/kernel_rc.c) print
 *   NVRM: Xid (PCI:%04x:%02x:%02x): %d, pid=%s, name=%s, <message>
 * and on a MIG GPU `PCI:dddd:bb:dd GPU-I:%02u` or `... GPU-I:%02u GPU-CI:%02u`
 * inside the parenthesis. Lines from other drivers seen in the wild:
 *   NVRM: Xid (PCI:0000:01:00): 79, GPU has fallen off the bus.         (no pid)
 *   NVRM: Xid (0000:03:00): 14, Channel 00000001                        (old drivers: no `PCI:`)
 * The PCI address is domain:bus:device, without the function.
 */
export interface XidEvent {
  /** Domain, bus and device as numbers joined by `:` (see pciKey), to match the inventory's bus id. */
  pci: string;
  xid: number;
  /** MIG GPU instance / compute instance the driver attributed it to; null without. */
  gpuInstance: number | null;
  computeInstance: number | null;
}

const XID = /^NVRM: Xid \((?:PCI:)?([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})(?:\.[0-7])?(?: GPU-I:(\d+))?(?: GPU-CI:(\d+))?\): (\d+),/i;

const key = (domain: string, bus: string, device: string) => [domain, bus, device].map((h) => Number.parseInt(h, 16)).join(':');

/** The XID a kernel log message reports; null for any other message. */
export function parseXid(message: string): XidEvent | null {
  const m = XID.exec(message);
  if (!m) return null;
  const xid = Number(m[6]);
  if (!Number.isSafeInteger(xid)) return null;
  return { pci: key(m[1]!, m[2]!, m[3]!), xid, gpuInstance: m[4] === undefined ? null : Number(m[4]), computeInstance: m[5] === undefined ? null : Number(m[5]) };
}

/**
 * The key of an inventory bus id (nvidia-smi's `00000000:3B:00.0`, DCGM's the
 * same) comparable with XidEvent.pci: the driver prints a 4-digit domain,
 * lower case, and no function. Null for anything else.
 */
export function pciKey(busId: string | null | undefined): string | null {
  const m = /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})\.[0-7]$/i.exec(busId?.trim() ?? '');
  return m ? key(m[1]!, m[2]!, m[3]!) : null;
}
