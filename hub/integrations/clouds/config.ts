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
        /**
         * A cost allocation tag key (e.g. `kcloud-workspace`): the hub tags the EC2 instances it launches with it (value: the
         * workspace id), and a workspace's AWS cost is Cost Explorer's filtered by it; empty: a workspace's AWS cost is its accounts' whole cost.
         */
        workspaceTag: Type.String({ default: '', maxLength: 128, pattern: '^(|(?!aws:)[A-Za-z0-9 _.:/=+@-]+)$' }),
      },
      { default: {} },
    ),
    gcp: Type.Object(
      {
        /** Compute Engine endpoint (`http(s)://host:port`) for private clouds and emulators (the fake in tests); empty: Google itself. */
        endpoint: Endpoint,
        /** OAuth 2.0 token URL that service-account assertions are exchanged at; empty: Google's. */
        tokenUrl: Endpoint,
        /** List price per hour of each machine type (GCP's billing export is out of reach): running hours x this is the estimated cost. */
        prices: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }), Type.Number({ minimum: 0, maximum: 10000 }), { default: {}, maxProperties: 1000 }),
        currency: Type.String({ default: 'USD', pattern: '^[A-Z]{3}$' }),
      },
      { default: {} },
    ),
    azure: Type.Object(
      {
        /** Resource Manager base URL for private clouds and emulators (the fake in tests); https only (the SDK sends tokens over https only); empty: Azure's public cloud. */
        endpoint: Type.String({ default: '', pattern: '^(|https://[^\\s]+)$' }),
        /** Microsoft Entra ID authority host that tokens are asked from; empty: https://login.microsoftonline.com. */
        authorityHost: Type.String({ default: '', pattern: '^(|https://[^\\s]+)$' }),
        /** Resource group the hub creates VMs in; it must exist, with a virtual network `kcloud-<location>` (subnet `default`) per location used. */
        resourceGroup: Type.String({ default: 'kcloud', pattern: '^[-\\w.()]{0,89}[-\\w()]$' }),
        /** PEM file of the CA(s) that sign the endpoint's and authority host's certificates, trusted instead of the public CAs; empty: the system's. */
        caFile: Type.String({ default: '' }),
      },
      { default: {} },
    ),
    /** Provider cost answers (Cost Explorer, Cost Management) kept per query (provider, account, days). */
    costCache: Type.Object(
      {
        /** An answer is served again this long; the next query asks the provider (a changed total is cost_updated on /ws). 0: always ask. */
        ttl: Type.String({ ...Duration, default: '1h' }),
        /** Answers kept at most (least recently used out first). */
        maxEntries: Type.Integer({ default: 1000, minimum: 1, maximum: 100_000 }),
      },
      { default: {} },
    ),
    /** Cost of the on-prem fleet: measured energy x the electricity price, plus GPU-hours x the amortisation. */
    onprem: Type.Object(
      {
        /** Price of one kWh in `currency`; 0 leaves the on-prem fleet out of cost analysis. */
        electricityPrice: Type.Number({ default: 0, minimum: 0, maximum: 1000 }),
        /** Amortised cost of one GPU for one hour in `currency` (purchase over its service life), added per hour each GPU reported power; 0: none. */
        gpuHourCost: Type.Number({ default: 0, minimum: 0, maximum: 10000 }),
        currency: Type.String({ default: 'USD', pattern: '^[A-Z]{3}$' }),
      },
      { default: {} },
    ),
  },
  { default: {} },
);

export type CloudsConfig = Static<typeof CloudsConfigSchema>;
