/**
 * The throttle's name for a client address: an IPv4 address reached over a
 * dual-stack socket (`::ffff:10.0.0.1`) is the same source as `10.0.0.1`,
 * so HTTP on `::` and MQTT on `0.0.0.0` count one client once.
 */
export function sourceAddress(ip: string | undefined | null): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip.toLowerCase();
}
