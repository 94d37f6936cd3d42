import { Type } from '@sinclair/typebox';
import { Count, Envelope, Nullable, NullableEnum, Timestamp, withErrors } from './common.js';

const Num = Nullable(Type.Number());

const Reading = Type.Object({
  name: Type.String({ description: 'As the BMC names it' }),
  id: Nullable(Type.String(), { description: 'Sensor number (`30h`)' }),
  value: Type.Number(),
  unit: Type.String(),
  state: NullableEnum(['ok', 'non_critical', 'critical', 'non_recoverable'] as const),
  timestamp: Timestamp,
});

const NodeSensors = Type.Object({
  node: Type.String(),
  cluster: Type.String(),
  bmc_up: Nullable(Type.Boolean()),
  sensors: Type.Object({
    power: Type.Array(Reading),
    temperature: Type.Array(Reading),
    fans: Type.Array(Reading),
    voltage: Type.Array(Reading),
    current: Type.Array(Reading),
    other: Type.Array(Reading),
  }),
});

export const SensorListResponse = withErrors(Envelope('ipmi_sensors', Type.Array(NodeSensors), {}, { total_count: Count }));

export const NodeSensorsResponse = withErrors(Envelope('ipmi_sensors', NodeSensors));

const PowerRow = Type.Object(
  {
    node: Type.String(),
    cluster: Type.String(),
    total_power_watts: Num,
    total_power_source: NullableEnum<string>(['dcmi']),
    psu_redundancy: Type.Null({ description: 'The redundancy sensor is discrete; the agent publishes numeric readings only' }),
  },
  { patternProperties: { '^psu[0-9]+_power_watts$': Type.Number() }, description: 'Plus one `psu<N>_power_watts` per PSU power sensor' },
);

export const IpmiPowerResponse = withErrors(
  Envelope('ipmi_power', Type.Array(PowerRow), {
    summary: Type.Object({ total_power_watts: Num, node_count: Count, nodes_with_reading: Count }),
  }),
);

export const IpmiTemperatureResponse = withErrors(
  Envelope(
    'ipmi_temperature',
    Type.Array(Type.Object({ node: Type.String(), cluster: Type.String(), sensors: Type.Array(Reading), max_temperature_celsius: Num })),
    { summary: Type.Object({ max_temperature_celsius: Num, node_count: Count }) },
  ),
);
