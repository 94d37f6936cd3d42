import { isIPv4 } from 'node:net';

/** Pure IPv4 helpers for the server manager's network_config (no I/O). */

export const ipToInt = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
export const intToIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** A dotted IPv4 address without leading zeros (PVE's ipconfig refuses them). */
export function isPlainIpv4(ip: unknown): ip is string {
  return typeof ip === 'string' && isIPv4(ip) && ip.split('.').every((o) => o === String(Number(o)));
}

/** Prefix length from "24" or "255.255.255.0"; null when neither. */
export function prefixLength(subnet: unknown): number | null {
  const text = typeof subnet === 'number' ? String(subnet) : subnet;
  if (typeof text !== 'string') return null;
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n >= 1 && n <= 32 ? n : null;
  }
  if (!isPlainIpv4(text)) return null;
  const bits = ipToInt(text).toString(2).padStart(32, '0');
  if (!/^1+0*$/.test(bits)) return null;
  const zero = bits.indexOf('0');
  return zero === -1 ? 32 : zero;
}

export function sameSubnet(a: string, b: string, prefix: number): boolean {
  const mask = prefix === 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
  return ((ipToInt(a) & mask) >>> 0) === ((ipToInt(b) & mask) >>> 0);
}

/** Whether `ip` can be a host's address in its /prefix: not the network's nor the broadcast address (both usable only in /31 and /32). */
export function isHostAddress(ip: string, prefix: number): boolean {
  if (prefix >= 31) return true;
  const hostBits = ipToInt(ip) % 2 ** (32 - prefix);
  return hostBits !== 0 && hostBits !== 2 ** (32 - prefix) - 1;
}

/** "a.b.c.d-a.b.c.e" as the addresses in it, first to last; null when not such a range (or over `max` addresses). */
export function expandRange(range: unknown, max: number): string[] | null {
  if (typeof range !== 'string') return null;
  const [from, to, extra] = range.split('-').map((s) => s.trim());
  if (extra !== undefined || !isPlainIpv4(from) || !isPlainIpv4(to)) return null;
  const start = ipToInt(from);
  const end = ipToInt(to);
  if (end < start || end - start + 1 > max) return null;
  return Array.from({ length: end - start + 1 }, (_, i) => intToIp(start + i));
}

/** A PVE VM name (a DNS name): labels of letters, digits and inner hyphens, at most 63 characters in all here. */
export const HOSTNAME = /^(?=.{1,63}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
