import { describe, expect, it } from 'vitest';
import { parseOsRelease } from '../../../../agent/collectors/host/os-release.js';

// /etc/os-release as shipped by each distribution.
const UBUNTU = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
`;
const DEBIAN = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`;
const RHEL = `NAME="Red Hat Enterprise Linux"
VERSION="9.3 (Plow)"
ID="rhel"
VERSION_ID="9.3"
PRETTY_NAME="Red Hat Enterprise Linux 9.3 (Plow)"
`;
const ARCH = `NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling
`;

describe('parseOsRelease', () => {
  it.each([
    ['Ubuntu', UBUNTU, { distro: 'Ubuntu', release: '22.04.4 LTS' }],
    ['Debian', DEBIAN, { distro: 'Debian GNU/Linux', release: '12' }],
    ['RHEL', RHEL, { distro: 'Red Hat Enterprise Linux', release: '9.3' }],
  ])('reads the name and the version without its codename (%s)', (_, text, expected) => {
    expect(parseOsRelease(text)).toEqual(expected);
  });

  it('without a version (rolling releases) says unknown', () => {
    expect(parseOsRelease(ARCH)).toEqual({ distro: 'Arch Linux', release: 'unknown' });
  });

  it('takes VERSION_ID where there is no VERSION', () => {
    expect(parseOsRelease('NAME=Alpine\nVERSION_ID=3.19.1\n')).toEqual({ distro: 'Alpine', release: '3.19.1' });
  });

  it('reads an empty or missing file as unknown', () => {
    expect(parseOsRelease('')).toEqual({ distro: 'unknown', release: 'unknown' });
  });

  it('unquotes single-quoted values and shell escapes', () => {
    expect(parseOsRelease(`NAME='My \\"Linux\\"'\nVERSION='1.0'\n`)).toEqual({ distro: 'My "Linux"', release: '1.0' });
  });
});
