import { Type } from '@sinclair/typebox';
import { nodeSensors, psuPower, type NodeSensors, type SensorReading } from '../../fleet/sensors.js';
import { notFound } from '../errors.js';
import type { RouteModule } from '../types.js';
import { envelope } from './envelope.js';
import { CommonQuery, NameSchema } from './params.js';
import { IpmiPowerResponse, IpmiTemperatureResponse, NodeSensorsResponse, SensorListResponse } from './schemas/hardware.js';
import { sumKnown } from '../../fleet/power.js';

const TAGS = ['hardware'];
const ACCESS = { access: 'metrics:read' } as const;
const FRESHNESS = 'Readings older than api.staleAfter are left out (a BMC that stopped answering shows empty groups and null totals).';

const reading = (r: SensorReading) => ({ name: r.name, id: r.id, value: r.value, unit: r.unit, state: r.state, timestamp: new Date(r.ts).toISOString() });

function sensorsBody(n: NodeSensors) {
  const s = n.sensors;
  return {
    node: n.node,
    cluster: n.cluster,
    bmc_up: n.bmcUp,
    sensors: {
      power: s.power.map(reading),
      temperature: s.temperature.map(reading),
      fans: s.fans.map(reading),
      voltage: s.voltage.map(reading),
      current: s.current.map(reading),
      other: s.other.map(reading),
    },
  };
}

/**
 * One node's power row: the DCMI total and one `psu<N>_power_watts` per PSU
 * power sensor. psu_redundancy stays null: the redundancy sensor is
 * discrete, and the agent publishes only sensors with a numeric reading.
 */
function powerRow(n: NodeSensors) {
  const psus = Object.fromEntries([...psuPower(n.sensors.power)].map(([i, r]) => [`psu${i}_power_watts`, r.value]));
  return { node: n.node, cluster: n.cluster, total_power_watts: n.dcmiPowerWatts, total_power_source: n.dcmiPowerWatts === null ? null : 'dcmi', ...psus, psu_redundancy: null };
}

const maxOf = (values: readonly number[]) => (values.length ? Math.max(...values) : null);

/** kcloud-monitor-api §3 Hardware: BMC (IPMI) sensors as the agents' ipmi collector publishes them. */
export const hardwareRoutes: RouteModule = (app, deps) => {
  const { fleet } = deps;
  const registered = (rows: NodeSensors[]) => rows.filter((r) => fleet.nodes.get(r.node) !== null);
  const ClusterQuery = Type.Object({ cluster: CommonQuery.cluster });

  app.get(
    '/hardware/ipmi/sensors',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'IPMI sensors of every node',
        description: `Newest BMC readings per node with a BMC, grouped power/temperature/fans/voltage (plus current and other units). state is the threshold state the BMC reports. ${FRESHNESS}`,
        querystring: ClusterQuery,
        response: SensorListResponse,
      },
    },
    async (request) => {
      const rows = registered(nodeSensors(fleet.latest, fleet.freshSince(), { cluster: request.query.cluster }));
      return envelope(request, 'ipmi_sensors', rows.map(sensorsBody), { cluster: request.query.cluster, dataSource: 'ipmi', metadata: { total_count: rows.length } });
    },
  );

  app.get(
    '/hardware/ipmi/sensors/:node_name',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'IPMI sensors of one node',
        description: `A registered node without BMC readings answers with empty groups. ${FRESHNESS}`,
        params: Type.Object({ node_name: NameSchema }),
        response: NodeSensorsResponse,
      },
    },
    async (request) => {
      const node = fleet.nodes.get(request.params.node_name);
      if (!node) throw notFound(`node ${request.params.node_name}`);
      const row = nodeSensors(fleet.latest, fleet.freshSince(), { node: node.name })[0] ?? {
        node: node.name,
        cluster: node.cluster,
        sensors: { power: [], temperature: [], fans: [], voltage: [], current: [], other: [] },
        dcmiPowerWatts: null,
        bmcUp: null,
      };
      return envelope(request, 'ipmi_sensors', sensorsBody(row), { cluster: node.cluster, dataSource: 'ipmi' });
    },
  );

  app.get(
    '/hardware/ipmi/power',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'IPMI power per node',
        description:
          'total_power_watts is the DCMI power reading (null without one); psu<N>_power_watts come from PSU power sensors (input preferred over output). ' +
          `summary.total_power_watts sums the nodes with a DCMI reading. ${FRESHNESS}`,
        querystring: ClusterQuery,
        response: IpmiPowerResponse,
      },
    },
    async (request) => {
      const rows = registered(nodeSensors(fleet.latest, fleet.freshSince(), { cluster: request.query.cluster })).map(powerRow);
      const totals = rows.map((r) => r.total_power_watts).filter((v): v is number => v !== null);
      return envelope(request, 'ipmi_power', rows, {
        cluster: request.query.cluster,
        dataSource: 'ipmi',
        extra: { summary: { total_power_watts: sumKnown(totals), node_count: rows.length, nodes_with_reading: totals.length } },
      });
    },
  );

  app.get(
    '/hardware/ipmi/temperature',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'IPMI temperature sensors per node',
        description: `Temperature sensors of every node with a BMC, in degrees Celsius (Fahrenheit sensors converted by the agent). ${FRESHNESS}`,
        querystring: ClusterQuery,
        response: IpmiTemperatureResponse,
      },
    },
    async (request) => {
      const rows = registered(nodeSensors(fleet.latest, fleet.freshSince(), { cluster: request.query.cluster })).map((n) => ({
        node: n.node,
        cluster: n.cluster,
        sensors: n.sensors.temperature.map(reading),
        max_temperature_celsius: maxOf(n.sensors.temperature.map((r) => r.value)),
      }));
      return envelope(request, 'ipmi_temperature', rows, {
        cluster: request.query.cluster,
        dataSource: 'ipmi',
        extra: { summary: { max_temperature_celsius: maxOf(rows.flatMap((r) => r.sensors.map((s) => s.value))), node_count: rows.length } },
      });
    },
  );
};
