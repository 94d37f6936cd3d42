import { XMLParser } from 'fast-xml-parser';
import { parseBytes, parseNumber } from '../../../shared/units.js';
import { enabledValue, textValue, type GpuProcess, type GpuReport, type MigDevice, type NvidiaSmiReport } from './inventory.js';
import { XML_SCHEMAS, xmlSchemaFor, type XmlSchema } from './xml-schemas.js';

/**
 * Pure parser for `nvidia-smi -q -x`. Values are strings with units and
 * padding, e.g. (netdata's 580 excerpt) `<instant_power_draw> 66.84 W </instant_power_draw>`;
 * unsupported values read `N/A` (no brackets in XML). The DTD is a SYSTEM
 * file that does not exist locally: it is never loaded.
 */

type Node = Record<string, unknown>;

const ARRAYS = new Set(['nvidia_smi_log.gpu', 'nvidia_smi_log.gpu.mig_devices.mig_device', 'nvidia_smi_log.gpu.processes.process_info']);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
  isArray: (_name, jpath) => ARRAYS.has(String(jpath)),
});

function child(node: unknown, ...path: string[]): unknown {
  let cur = node;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Node)[key];
  }
  return cur;
}

/** A text value, or null for absent, empty and N/A. */
function text(node: unknown, ...path: string[]): string | null {
  const v = child(node, ...path);
  return typeof v === 'string' ? textValue(v) : null;
}

const num = (node: unknown, ...path: string[]) => parseNumber(text(node, ...path));
const mib = (node: unknown, ...path: string[]) => parseBytes(text(node, ...path), 'MiB');
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);

/** The first candidate element with a reading. */
function firstReading(block: unknown, names: readonly string[]): number | null {
  for (const name of names) {
    const v = num(block, name);
    if (v !== null) return v;
  }
  return null;
}

function migDevice(d: Node): MigDevice {
  return {
    index: num(d, 'index') ?? 0,
    gpuInstanceId: num(d, 'gpu_instance_id'),
    computeInstanceId: num(d, 'compute_instance_id'),
    profile: null,
    uuid: null,
    multiprocessors: num(d, 'device_attributes', 'shared', 'multiprocessor_count'),
    memoryTotalBytes: mib(d, 'fb_memory_usage', 'total'),
    memoryUsedBytes: mib(d, 'fb_memory_usage', 'used'),
  };
}

function gpuProcess(p: Node): GpuProcess | null {
  const pid = num(p, 'pid');
  if (pid === null) return null;
  return {
    pid,
    type: text(p, 'type'),
    name: text(p, 'process_name'),
    usedMemoryBytes: mib(p, 'used_memory'),
    gpuInstanceId: num(p, 'gpu_instance_id'),
    computeInstanceId: num(p, 'compute_instance_id'),
  };
}

function gpuReport(g: Node, index: number, root: Node, schema: XmlSchema): GpuReport {
  const powerBlock = schema.powerBlocks.map((b) => g[b]).find((b) => b !== undefined);
  // Same place in every DTD (v10 to v13): `<pci><pci_gpu_link_info><pcie_gen><max_link_gen>4</max_link_gen>`
  // and `<link_widths><max_link_width>16x</max_link_width>`; v10 (GTX 1070 Ti) has only the current values.
  const link = child(g, 'pci', 'pci_gpu_link_info');
  return {
    inventory: {
      index,
      uuid: text(g, 'uuid') ?? '',
      name: text(g, 'product_name'),
      serial: text(g, 'serial'),
      driverVersion: text(root, 'driver_version'),
      cudaVersion: text(root, 'cuda_version'),
      vbios: text(g, 'vbios_version'),
      pciBusId: text(g, 'pci', 'pci_bus_id'),
      architecture: text(g, 'product_architecture'),
      // Not printed here; read-inventory.ts adds it from `--query-gpu=compute_cap`.
      computeCapability: null,
      pcieGeneration: { max: num(link, 'pcie_gen', 'max_link_gen'), current: num(link, 'pcie_gen', 'current_link_gen') },
      pcieLinkWidth: { max: num(link, 'link_widths', 'max_link_width'), current: num(link, 'link_widths', 'current_link_width') },
      eccEnabled: enabledValue(text(g, 'ecc_mode', 'current_ecc')),
      persistenceModeEnabled: enabledValue(text(g, 'persistence_mode')),
      memoryTotalBytes: mib(g, 'fb_memory_usage', 'total'),
      powerLimits: {
        enforcedWatts: firstReading(powerBlock, schema.enforcedLimit),
        defaultWatts: num(powerBlock, 'default_power_limit'),
        minWatts: num(powerBlock, 'min_power_limit'),
        maxWatts: num(powerBlock, 'max_power_limit'),
      },
      migMode: text(g, 'mig_mode', 'current_mig'),
      migDevices: list(child(g, 'mig_devices', 'mig_device')).map(migDevice),
      processes: list(child(g, 'processes', 'process_info')).flatMap((p) => gpuProcess(p) ?? []),
    },
    readings: {
      powerWatts: firstReading(powerBlock, schema.draw),
      powerInstantWatts: firstReading(powerBlock, schema.instant),
      powerLimitWatts: firstReading(powerBlock, schema.enforcedLimit),
      temperatureCelsius: num(g, 'temperature', 'gpu_temp'),
      memoryTemperatureCelsius: num(g, 'temperature', 'memory_temp'),
      utilizationPercent: num(g, 'utilization', 'gpu_util'),
      memoryUtilizationPercent: num(g, 'utilization', 'memory_util'),
      memoryUsedBytes: mib(g, 'fb_memory_usage', 'used'),
      memoryFreeBytes: mib(g, 'fb_memory_usage', 'free'),
      memoryTotalBytes: mib(g, 'fb_memory_usage', 'total'),
      smClockMhz: num(g, 'clocks', 'sm_clock'),
      memoryClockMhz: num(g, 'clocks', 'mem_clock'),
      fanSpeedPercent: num(g, 'fan_speed'),
      pcieReplays: num(g, 'pci', 'replay_counter'),
    },
  };
}

/** Parses a whole `nvidia-smi -q -x` document; throws when it is not one. */
export function parseNvidiaSmiXml(xml: string): NvidiaSmiReport {
  const doc = parser.parse(xml) as Node;
  const root = doc.nvidia_smi_log;
  if (typeof root !== 'object' || root === null) throw new Error('not an nvidia-smi XML document (no <nvidia_smi_log>)');
  const { name, warning } = xmlSchemaFor(xml);
  const schema = XML_SCHEMAS[name];
  const gpus = list((root as Node).gpu).map((g, i) => gpuReport(g, i, root as Node, schema));
  return { gpus, warnings: warning ? [warning] : [] };
}
