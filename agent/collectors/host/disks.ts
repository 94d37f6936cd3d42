import { readFile, statfs } from 'node:fs/promises';

/** One mounted filesystem's space, in bytes, as `df -kPT` lists it. */
export interface DiskUsage {
  /** The mount's source (`/dev/nvme0n1p2`, `server:/export`): the device several mounts of one filesystem share. */
  fs: string;
  type: string;
  mount: string;
  size: number;
  used: number;
}

export interface Mount {
  fs: string;
  mount: string;
  type: string;
}

/** /proc/mounts writes space, tab, newline and backslash in names as octal escapes (`\040`). */
const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/**
 * Parses /proc/mounts (proc(5), fstab(5) fields: source, mount point, type,
 * options, dump, pass), one line per mount:
 *   /dev/vda / ext4 rw,relatime,discard 0 0
 */
export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [fs, mount, type] = line.split(' ');
    if (fs && mount && type) out.push({ fs: unescape(fs), mount: unescape(mount), type });
  }
  return out;
}

/**
 * Space of every mount, from statfs(2) as `df` computes it (size = blocks,
 * used = blocks − free, in the filesystem's block size). The mounts are
 * statted one after the other, as df does: a hung network mount holds one
 * thread of the pool and this reading (the caller waits for it a bounded
 * time), not every thread. Mounts gone since /proc/mounts was read are left out.
 */
export async function readDiskUsage(mountsFile: string, skipType: (type: string) => boolean): Promise<DiskUsage[]> {
  const out: DiskUsage[] = [];
  for (const m of parseMounts(await readFile(mountsFile, 'utf8'))) {
    if (skipType(m.type)) continue;
    let st;
    try {
      st = await statfs(m.mount);
    } catch {
      // Unmounted since the read, hidden from this user, an I/O error: df too leaves such a mount out of its table.
      continue;
    }
    out.push({ ...m, size: st.blocks * st.bsize, used: (st.blocks - st.bfree) * st.bsize });
  }
  return out;
}
