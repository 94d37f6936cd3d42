import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });
/** An endpoint override: empty is the provider's public endpoint. */
const Endpoint = Type.String({ default: '', pattern: '^(|https?://[^\\s]+)$' });

/** `clouds:` in hub.yaml: cloud credentials, VMs and cost analysis (docs/clouds.md). */
export const CloudsConfigSchema = Type.Object(
  {
    /** How often the reconciler asks the providers about VMs that are starting or terminating. */
    reconcileInterval: Type.String({ ...Duration, default: '10s' }),
    /** Every provider call must answer within this. */
    timeout: Type.String({ ...Duration, default: '30s' }),
    aws: Type.Object(
      {
        /** EC2, STS and Cost Explorer endpoint for private clouds and emulators (moto_server in tests); empty: AWS itself. */
        endpoint: Endpoint,
      },
      { default: {} },
    ),
    /** Cost of the on-prem fleet: measured energy x this price. */
    onprem: Type.Object(
      {
        /** Price of one kWh in `currency`; 0 leaves the on-prem fleet out of cost analysis. */
        electricityPrice: Type.Number({ default: 0, minimum: 0, maximum: 1000 }),
        currency: Type.String({ default: 'USD', pattern: '^[A-Z]{3}$' }),
      },
      { default: {} },
    ),
  },
  { default: {} },
);

export type CloudsConfig = Static<typeof CloudsConfigSchema>;
