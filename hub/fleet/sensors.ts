import type { LatestSample, LatestValues } from './latest-values.js';

export type SensorGroup = 'power' | 'temperature' | 'fans' | 'voltage' | 'current' | 'other';

/** One BMC sensor reading as the agent published it (agent/collectors/ipmi/samples.ts). */
export interface SensorReading {
  /** Name as the BMC gives it (`PSU1_Power`, `CPU1_Temp`, `PS 1 Output`). */
  name: string;
  /** Sensor number (`30h`), null when the listing had none. */
  id: string | null;
  value: number;
  /** `watts`, `celsius`, `rpm`, `volts`, `amperes`, or the unit ipmitool printed for other sensors. */
  unit: string;
  /** From ipmi_sensor_state: ok, non_critical, critical, non_recoverable; null when not sent. */
  state: SensorState | null;
  ts: number;
}

export type SensorState = 'ok' | 'non_critical' | 'critical' | 'non_recoverable';
const STATES: readonly SensorState[] = ['ok', 'non_critical', 'critical', 'non_recoverable'];

/** Catalogue metric -> group and the unit spelled as the seed does. */
const GROUPS: Readonly<Record<string, { group: SensorGroup; unit: string | null }>> = {
  ipmi_power_watts: { group: 'power', unit: 'watts' },
  ipmi_temperature_celsius: { group: 'temperature', unit: 'celsius' },
  ipmi_fan_rpm: { group: 'fans', unit: 'rpm' },
  ipmi_voltage_volts: { group: 'voltage', unit: 'volts' },
  ipmi_current_amperes: { group: 'current', unit: 'amperes' },
  // Unit comes from the sample's `unit` label.
  ipmi_sensor_value: { group: 'other', unit: null },
};

export interface NodeSensors {
  node: string;
  cluster: string;
  sensors: Record<SensorGroup, SensorReading[]>;
  /** Whole-node input power from DCMI (node_power_watts{source="dcmi"}), null without a fresh reading. */
  dcmiPowerWatts: number | null;
  /** ipmi_up: whether the last BMC poll answered; null when not reported. */
  bmcUp: boolean | null;
}

const sensorKey = (l: Readonly<Record<string, string>>) => `${l.node}\u0000${l.sensor}\u0000${l.id ?? ''}`;

const emptyGroups = (): Record<SensorGroup, SensorReading[]> => ({ power: [], temperature: [], fans: [], voltage: [], current: [], other: [] });

/**
 * Fresh BMC readings per node, grouped as kcloud-monitor-api's
 * /hardware/ipmi/sensors documents (power, temperature, fans, voltage) plus
 * current and other-unit sensors. Nodes come out only when they have any
 * BMC sample held (fresh or not): a node without a BMC is not listed, one
 * whose BMC stopped answering is listed with empty groups.
 */
export function nodeSensors(latest: LatestValues, since: number, where: { node?: string; cluster?: string } = {}): NodeSensors[] {
  const nodes = new Map<string, NodeSensors>();
  const nodeOf = (s: LatestSample) => {
    const name = s.labels.node ?? '';
    let n = nodes.get(name);
    if (!n) nodes.set(name, (n = { node: name, cluster: s.labels.cluster ?? '', sensors: emptyGroups(), dcmiPowerWatts: null, bmcUp: null }));
    return n;
  };
  const states = new Map<string, SensorState>();
  for (const s of latest.select('ipmi_sensor_state', where, since)) {
    const st = STATES[s.value];
    if (st) states.set(sensorKey(s.labels), st);
  }
  for (const [metric, { group, unit }] of Object.entries(GROUPS)) {
    for (const s of latest.select(metric, where)) {
      const n = nodeOf(s);
      if (s.ts < since) continue;
      n.sensors[group].push({ name: s.labels.sensor ?? '', id: s.labels.id ?? null, value: s.value, unit: unit ?? s.labels.unit ?? '', state: states.get(sensorKey(s.labels)) ?? null, ts: s.ts });
    }
  }
  for (const s of latest.select('node_power_watts', { ...where, source: 'dcmi' })) {
    const n = nodeOf(s);
    if (s.ts >= since) n.dcmiPowerWatts = s.value;
  }
  for (const s of latest.select('ipmi_up', where)) {
    const n = nodeOf(s);
    if (s.ts >= since) n.bmcUp = s.value === 1;
  }
  for (const n of nodes.values()) for (const list of Object.values(n.sensors)) list.sort((a, b) => (a.id ?? a.name).localeCompare(b.id ?? b.name) || a.name.localeCompare(b.name));
  return [...nodes.values()].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.node.localeCompare(b.node));
}

/**
 * PSU power sensors by PSU number. Real names: `PSU1_Power` (ipmi_sim),
 * `PS 1 Output`, `Power Supply 1` (HP, Dell), `PS1 Input Power`, `PSU2 PIN`
 * (Supermicro). When a PSU has an input and an output sensor, input wins: it
 * is what the PSU draws from the wall, as the DCMI total is.
 */
export function psuPower(power: readonly SensorReading[]): Map<number, SensorReading> {
  const out = new Map<number, { r: SensorReading; input: boolean }>();
  for (const r of power) {
    const m = /^(?:psu|ps|power\s*supply)[\s_-]*(\d+)(?!\d)/i.exec(r.name);
    if (!m) continue;
    const n = Number(m[1]);
    const input = /\b(in|input|pin)\b/i.test(r.name.replace(/_/g, ' '));
    const held = out.get(n);
    if (!held || (input && !held.input)) out.set(n, { r, input });
  }
  return new Map([...[...out.entries()].sort((a, b) => a[0] - b[0])].map(([n, v]) => [n, v.r]));
}
