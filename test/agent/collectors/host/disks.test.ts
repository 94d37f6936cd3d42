import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMounts, readDiskUsage } from '../../../../agent/collectors/host/disks.js';
import { isPseudoFilesystem } from '../../../../agent/collectors/host/map.js';

// /proc/mounts as read on the development VM, plus a mount point with a space and a tab in its name.
const MOUNTS = `proc /proc proc rw,relatime 0 0
/dev/vda / ext4 rw,relatime,discard,resv_strict 0 0
tmpfs /dev/shm tmpfs rw,relatime,size=24683784k 0 0
10.0.0.5:/export/data\\040sets /mnt/data\\040sets\\011x nfs4 rw,relatime 0 0
`;

describe('parseMounts', () => {
  it('reads source, mount point and type of each line, octal escapes decoded', () => {
    expect(parseMounts(MOUNTS)).toEqual([
      { fs: 'proc', mount: '/proc', type: 'proc' },
      { fs: '/dev/vda', mount: '/', type: 'ext4' },
      { fs: 'tmpfs', mount: '/dev/shm', type: 'tmpfs' },
      { fs: '10.0.0.5:/export/data sets', mount: '/mnt/data sets\tx', type: 'nfs4' },
    ]);
  });
});

describe('readDiskUsage', () => {
  it('stats each mount as df does, skipping pseudo filesystems and mounts that cannot be statted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-disks-'));
    try {
      const spaced = join(dir, 'a b');
      mkdirSync(spaced);
      const table = join(dir, 'mounts');
      writeFileSync(
        table,
        [
          '/dev/vda / ext4 rw 0 0',
          `/dev/vdb ${spaced.replace(/ /g, '\\040')} xfs rw 0 0`,
          `tmpfs ${dir} tmpfs rw 0 0`, // a real directory, but a pseudo filesystem: never statted
          `/dev/vdc ${join(dir, 'gone')} ext4 rw 0 0`, // unmounted since the table was read
        ].join('\n'),
      );
      const disks = await readDiskUsage(table, isPseudoFilesystem);
      expect(disks.map((d) => [d.fs, d.mount, d.type])).toEqual([
        ['/dev/vda', '/', 'ext4'],
        ['/dev/vdb', spaced, 'xfs'],
      ]);
      const root = statfsSync('/');
      expect(disks[0]!.size).toBe(root.blocks * root.bsize);
      // df -kPT's 1024-blocks and Used columns of the same filesystem (used moves while other processes write).
      const df = execFileSync('df', ['-kPT', '/'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).trim().split('\n')[1]!.split(/\s+/);
      expect(disks[0]!.size).toBe(Number(df[2]) * 1024);
      expect(Math.abs(disks[0]!.used - Number(df[3]) * 1024)).toBeLessThan(disks[0]!.size / 100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
