import { parseBytes, parseNumber } from '../../../shared/units.js';
import { enabledValue, textValue, type GpuProcess, type GpuReport, type MigDevice, type NvidiaSmiReport } from './inventory.js';

/**
 * Pure parser for plain `nvidia-smi -q`, the fallback when `-q -x` is not
 * available. The text is a tree by indentation; a real piece (H100, 590.48.01):
 *
 *   GPU 00000000:00:09.0
 *       Product Name                                       : NVIDIA H100 80GB HBM3
 *       GPU Power Readings
 *           Average Power Draw                             : 432.21 W
 *
 * Keys repeat (`MIG Device`, the entries under `Processes`), so a node keeps
 * its children in order. Key names moved between drivers as in the XML, so
 * readings are looked up through candidate paths, first present wins.
 */

interface QNode {
  key: string;
  value: string | null;
  children: QNode[];
}

// `key<spaces>: value`; a key has no ` :` in it, values may (`Bus Id : 00000000:00:09.0`).
const LINE = /^( *)(\S.*?)\s+:(?: (.*))?$/;

/** Builds the indentation tree of a `-q` output. */
function parseTree(text: string): QNode {
  const root: QNode = { key: '', value: null, children: [] };
  const stack: { indent: number; node: QNode }[] = [{ indent: -1, node: root }];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('=')) continue;
    const m = LINE.exec(line);
    const indent = (m ? m[1]! : /^ */.exec(line)![0]).length;
    const node: QNode = m ? { key: m[2]!.trim(), value: (m[3] ?? '').trim(), children: [] } : { key: line.trim(), value: null, children: [] };
    while (stack[stack.length - 1]!.indent >= indent) stack.pop();
    stack[stack.length - 1]!.node.children.push(node);
    stack.push({ indent, node });
  }
  return root;
}

function find(node: QNode | undefined, path: readonly string[]): QNode | undefined {
  let cur = node;
  for (const key of path) cur = cur?.children.find((c) => c.key === key);
  return cur;
}

/** The value at the first candidate path that holds a reading (not N/A). */
function value(node: QNode | undefined, ...paths: (readonly string[])[]): string | null {
  for (const p of paths) {
    const v = textValue(find(node, p)?.value);
    if (v !== null) return v;
  }
  return null;
}

const num = (node: QNode | undefined, ...paths: (readonly string[])[]) => parseNumber(value(node, ...paths));
const mib = (node: QNode | undefined, ...paths: (readonly string[])[]) => parseBytes(value(node, ...paths), 'MiB');
// Utilisation reads `Gpu : 0 %` up to 560 and `GPU : 100 %` from 590 on.
// 610 appends a notice: `610.57.04 [Deprecated; will be removed in CUDA 14.0. Use KMD Version instead]`.
const version = (v: string | null) => v?.replace(/\s*\[.*\]$/, '') ?? null;

// Power block and field names by driver generation: `GPU Power Readings` since
// 535 (`Power Readings` before); `Power Draw` until 560, then `Average Power Draw`
// + `Instantaneous Power Draw`; 610 nests the limits under `GPU Ceiling Power Limit`.
const POWER_BLOCKS = [['GPU Power Readings'], ['Power Readings']] as const;
// The board draw as `--query-gpu=power.draw` reports it: the 1 s average where the
// GPU has one, else the instantaneous value (Turing on 595 prints Average N/A).
const DRAW = [['Average Power Draw'], ['Power Draw'], ['Instantaneous Power Draw']] as const;
const LIMIT = [['Current Power Limit'], ['GPU Ceiling Power Limit', 'Current Power Limit'], ['Enforced Power Limit']] as const;
const DEFAULT_LIMIT = [['Default Power Limit'], ['GPU Ceiling Power Limit', 'Default Power Limit']] as const;
// `PCI` > `GPU Link Info` > `PCIe Generation` > `Max : 5` and `Link Width` > `Max : 16x`, 535 to 610 alike.
const LINK = ['PCI', 'GPU Link Info'] as const;

function migDevice(d: QNode): MigDevice {
  return {
    index: num(d, ['Index']) ?? 0,
    gpuInstanceId: num(d, ['GPU Instance ID']),
    computeInstanceId: num(d, ['Compute Instance ID']),
    profile: null,
    uuid: null,
    multiprocessors: num(d, ['Device Attributes', 'Shared', 'Multiprocessor count']),
    memoryTotalBytes: mib(d, ['Shared FB Memory Usage', 'Total'], ['FB Memory Usage', 'Total']),
    memoryUsedBytes: mib(d, ['Shared FB Memory Usage', 'Used'], ['FB Memory Usage', 'Used']),
  };
}

/**
 * `Processes` lists flat `GPU instance ID` / `Compute instance ID` lines, then
 * `Process ID` with Type, Name and Used GPU Memory indented under it; the IDs
 * belong to the process that follows them. Without processes: `Processes : None`.
 */
function processes(block: QNode | undefined): GpuProcess[] {
  const out: GpuProcess[] = [];
  let gi: number | null = null;
  let ci: number | null = null;
  for (const c of block?.children ?? []) {
    if (c.key === 'GPU instance ID') gi = parseNumber(c.value);
    else if (c.key === 'Compute instance ID') ci = parseNumber(c.value);
    else if (c.key === 'Process ID') {
      const pid = parseNumber(c.value);
      if (pid !== null) {
        out.push({
          pid,
          type: value(c, ['Type']),
          name: value(c, ['Name']),
          usedMemoryBytes: mib(c, ['Used GPU Memory']),
          gpuInstanceId: gi,
          computeInstanceId: ci,
        });
      }
      gi = ci = null;
    }
  }
  return out;
}

function gpuReport(g: QNode, index: number, root: QNode): GpuReport {
  const power = POWER_BLOCKS.map((b) => find(g, b)).find((b) => b !== undefined);
  return {
    inventory: {
      index,
      uuid: value(g, ['GPU UUID']) ?? '',
      name: value(g, ['Product Name']),
      serial: value(g, ['Serial Number']),
      driverVersion: version(value(root, ['KMD Version'], ['Driver Version'])),
      cudaVersion: version(value(root, ['CUDA UMD Version'], ['CUDA Version'])),
      vbios: value(g, ['VBIOS Version']),
      pciBusId: value(g, ['PCI', 'Bus Id']),
      architecture: value(g, ['Product Architecture']),
      // Not printed here; read-inventory.ts adds it from `--query-gpu=compute_cap`.
      computeCapability: null,
      pcieGeneration: { max: num(g, [...LINK, 'PCIe Generation', 'Max']), current: num(g, [...LINK, 'PCIe Generation', 'Current']) },
      pcieLinkWidth: { max: num(g, [...LINK, 'Link Width', 'Max']), current: num(g, [...LINK, 'Link Width', 'Current']) },
      eccEnabled: enabledValue(value(g, ['ECC Mode', 'Current'])),
      persistenceModeEnabled: enabledValue(value(g, ['Persistence Mode'])),
      memoryTotalBytes: mib(g, ['FB Memory Usage', 'Total']),
      powerLimits: {
        enforcedWatts: num(power, ...LIMIT),
        defaultWatts: num(power, ...DEFAULT_LIMIT),
        minWatts: num(power, ['Min Power Limit']),
        maxWatts: num(power, ['Max Power Limit']),
      },
      migMode: value(g, ['MIG Mode', 'Current']),
      migDevices: g.children.filter((c) => c.key === 'MIG Device').map(migDevice),
      processes: processes(find(g, ['Processes'])),
    },
    readings: {
      powerWatts: num(power, ...DRAW),
      powerInstantWatts: num(power, ['Instantaneous Power Draw']),
      powerLimitWatts: num(power, ...LIMIT),
      temperatureCelsius: num(g, ['Temperature', 'GPU Current Temp']),
      memoryTemperatureCelsius: num(g, ['Temperature', 'Memory Current Temp']),
      utilizationPercent: num(g, ['Utilization', 'GPU'], ['Utilization', 'Gpu']),
      memoryUtilizationPercent: num(g, ['Utilization', 'Memory']),
      memoryUsedBytes: mib(g, ['FB Memory Usage', 'Used']),
      memoryFreeBytes: mib(g, ['FB Memory Usage', 'Free']),
      memoryTotalBytes: mib(g, ['FB Memory Usage', 'Total']),
      smClockMhz: num(g, ['Clocks', 'SM']),
      memoryClockMhz: num(g, ['Clocks', 'Memory']),
      fanSpeedPercent: num(g, ['Fan Speed']),
      pcieReplays: num(g, ['PCI', 'Replays Since Reset']),
    },
  };
}

/** Parses a whole `nvidia-smi -q` output; GPUs are indexed in the order printed, as nvidia-smi numbers them. */
export function parseNvidiaSmiQText(text: string): NvidiaSmiReport {
  const root = parseTree(text);
  const gpus = root.children.filter((c) => /^GPU [0-9A-Fa-f]+:[0-9A-Fa-f]+:[0-9A-Fa-f]+\.[0-9A-Fa-f]+$/.test(c.key));
  if (gpus.length === 0 && !find(root, ['Driver Version'])) throw new Error('not an nvidia-smi -q output (no "Driver Version", no GPU section)');
  return { gpus: gpus.map((g, i) => gpuReport(g, i, root)), warnings: [] };
}
