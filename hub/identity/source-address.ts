import ipaddr from 'ipaddr.js';
import { BoundedCache } from '../../shared/bounded-cache.js';

/** Every HTTP Basic request and MQTT CONNECT names its source: parsing the address each time was ~2 % of a Basic request's CPU. */
const known = new BoundedCache<string, string>(4096);

/**
 * The throttle's name for a client address. An IPv4 address reached over a
 * dual-stack socket (`::ffff:10.0.0.1`) is the same source as `10.0.0.1`, so
 * HTTP on `::` and MQTT on `0.0.0.0` count one client once. An IPv6 address
 * counts as its /64: one host is usually given a whole /64 (SLAAC, RFC 7421),
 * so per-address limits on full addresses would give it 2^64 fresh tries.
 */
export function sourceAddress(ip: string | undefined | null): string {
  if (!ip) return 'unknown';
  let source = known.get(ip);
  if (source === undefined) known.set(ip, (source = parseSource(ip)));
  return source;
}

function parseSource(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return ip.toLowerCase();
  const addr = ipaddr.parse(bare);
  if (addr.kind() === 'ipv4') return addr.toString();
  const v6 = addr as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  const prefix = v6.toByteArray().slice(0, 8).concat(new Array<number>(8).fill(0));
  return `${ipaddr.fromByteArray(prefix).toString()}/64`;
}
