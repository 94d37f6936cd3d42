/** A PCI function's vendor and device ids, lower-case hex without `0x` (`10de`, `2330`). */
export interface PciId {
  vendor: string;
  device: string;
}

export interface PciNames {
  vendor: string | null;
  device: string | null;
}

/**
 * Names PCI ids from the lines of the pci.ids database (what lspci reads):
 *   10de  NVIDIA Corporation
 *   \t2330  GH100 [H100 SXM5 80GB]
 *   \t\t10de 16c1  H100 SXM5 80GB        (subsystems: not needed)
 *   C 00  Unclassified device           (device classes, after every vendor)
 * Takes the lines as they come and stops once every id is named, so the
 * ~1.3 MB file is never held whole. Keys of the result are `vendor:device`.
 */
export async function namePciIds(lines: AsyncIterable<string> | Iterable<string>, ids: PciId[]): Promise<Map<string, PciNames>> {
  const out = new Map<string, PciNames>(ids.map((id) => [`${id.vendor}:${id.device}`, { vendor: null, device: null }]));
  const wanted = new Set(ids.map((id) => id.vendor));
  let unnamed = out.size;
  let vendor: string | null = null;
  for await (const line of lines) {
    if (unnamed === 0 || line.startsWith('C ')) break;
    if (line === '' || line.startsWith('#') || line.startsWith('\t\t')) continue;
    const m = /^(\t?)([0-9a-f]{4}) {2}(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '') {
      vendor = wanted.has(m[2]!) ? m[2]! : null;
      if (vendor) for (const [key, names] of out) if (key.startsWith(`${vendor}:`)) names.vendor = m[3]!;
    } else if (vendor) {
      const names = out.get(`${vendor}:${m[2]}`);
      if (names && names.device === null) {
        names.device = m[3]!;
        unnamed--;
      }
    }
  }
  return out;
}
