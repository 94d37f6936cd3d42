/**
 * Pure parser for `nvidia-smi nvlink -gt d` (data payload throughput
 * counters, KiB since the counters were last reset), as drivers 450 to 590 print it:
 *   GPU 0: NVIDIA H800 (UUID: GPU-34bf77d1-c686-6821-79a8-32d326c5039c)
 *            Link 0: Data Tx: 5863784 KiB
 *            Link 0: Data Rx: 5863677 KiB
 * A GPU without NVLink prints a sentence instead of links (`Device does not
 * have or support Nvlink`, `NVML: Unable to retrieve Nvlink information as
 * all links are inActive`, `Nvlink queries are not supported for Devices in
 * MIG mode`, as `nvidia-smi nvlink -s` in the captures): it gets no entry.
 */
export interface NvlinkCounters {
  index: number;
  uuid: string;
  /** Data payload over all links, bytes. */
  txBytes: number;
  rxBytes: number;
  links: number;
}

const KIB = 1024;
const GPU_LINE = /^GPU (\d+): .*\(UUID: (GPU-[^)\s]+)\)\s*$/;
const COUNTER_LINE = /^\s*Link (\d+): Data (Tx|Rx): (\d+) KiB\s*$/;

export function parseNvlinkThroughput(text: string): NvlinkCounters[] {
  const out: NvlinkCounters[] = [];
  let current: (NvlinkCounters & { seen: Set<number> }) | undefined;
  const close = () => {
    if (current && current.links > 0) out.push({ index: current.index, uuid: current.uuid, txBytes: current.txBytes, rxBytes: current.rxBytes, links: current.links });
  };
  for (const line of text.split(/\r?\n/)) {
    const gpu = GPU_LINE.exec(line);
    if (gpu) {
      close();
      current = { index: Number(gpu[1]), uuid: gpu[2]!, txBytes: 0, rxBytes: 0, links: 0, seen: new Set() };
      continue;
    }
    const c = current && COUNTER_LINE.exec(line);
    if (!current || !c) continue;
    const kib = Number(c[3]);
    if (!Number.isSafeInteger(kib)) continue;
    if (c[2] === 'Tx') current.txBytes += kib * KIB;
    else current.rxBytes += kib * KIB;
    const link = Number(c[1]);
    if (!current.seen.has(link)) {
      current.seen.add(link);
      current.links += 1;
    }
  }
  close();
  return out;
}
