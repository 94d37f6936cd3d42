import { describe, expect, it } from 'vitest';
import { sourceAddress } from '../../../hub/identity/source-address.js';

describe('sourceAddress: what the login throttle counts as one source', () => {
  it.each([
    ['IPv4 as is', '192.0.2.7', '192.0.2.7'],
    ['IPv4 through a dual-stack socket is the IPv4 source', '::ffff:192.0.2.7', '192.0.2.7'],
    ['IPv6 counts as its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['another address of the same /64 is the same source', '2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['a zone id does not make a new source', 'fe80::1%eth0', 'fe80::/64'],
    ['the compressed and expanded spelling agree', '2001:0DB8:0001:0002:0000:0000:0000:0009', '2001:db8:1:2::/64'],
    ['IPv6 loopback is its /64', '::1', '::/64'],
    ['missing', undefined, 'unknown'],
  ])('%s', (_, ip, expected) => {
    expect(sourceAddress(ip)).toBe(expected);
  });

  it('keeps two /64s apart', () => {
    expect(sourceAddress('2001:db8:1:2::1')).not.toBe(sourceAddress('2001:db8:1:3::1'));
  });
});
