import { parseNumber } from '../../../shared/units.js';

export interface GpuInventory {
  index: number;
  uuid: string;
  name: string | null;
  serial: string | null;
  driverVersion: string | null;
  pciBusId: string | null;
  vbios: string | null;
  defaultPowerLimitWatts: number | null;
  migMode: string | null;
}

const text = (v: string | undefined) => (v === undefined || /^\[.*\]$/.test(v) || v === '' ? null : v);

/** GPU inventory from the static fields of the query stream (no extra nvidia-smi call). */
export function inventoryFromRows(rows: readonly Record<string, string>[]): GpuInventory[] {
  return rows.map((r) => ({
    index: Number(r.index),
    uuid: r.uuid ?? '',
    name: text(r.name),
    serial: text(r.serial),
    driverVersion: text(r.driver_version),
    pciBusId: text(r['pci.bus_id']),
    vbios: text(r.vbios_version),
    defaultPowerLimitWatts: parseNumber(r['power.default_limit']),
    migMode: text(r['mig.mode.current']),
  }));
}
