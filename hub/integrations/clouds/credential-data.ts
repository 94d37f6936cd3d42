import { Type, type Static } from '@sinclair/typebox';
import type { CloudProvider } from './provider-error.js';

// Printable ASCII without spaces: keys and ids end up in HTTP headers.
const Token = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[\\x21-\\x7e]+$' });
const Region = Type.String({ minLength: 1, maxLength: 40, pattern: '^[a-z0-9-]+$' });

/** `data` of an aws credential: an access key, its secret, the default region, optionally a role to assume. */
export const AwsCredentialData = Type.Object(
  {
    access_key: Token(128),
    secret_key: Token(256),
    region: Region,
    role_arn: Type.Optional(Type.String({ maxLength: 2048, pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$' })),
  },
  { additionalProperties: false },
);

/** `data` of a gcp credential: the service-account key file (JSON text or object) and the project. */
export const GcpCredentialData = Type.Object(
  {
    service_account_json: Type.Union([Type.String({ minLength: 2, maxLength: 16384 }), Type.Object({}, { additionalProperties: true, maxProperties: 20 })]),
    project: Type.String({ minLength: 6, maxLength: 30, pattern: '^[a-z][a-z0-9-]+$' }),
  },
  { additionalProperties: false },
);

/** `data` of an azure credential: a service principal (tenant, client id, client secret) and the subscription. */
export const AzureCredentialData = Type.Object(
  {
    tenant_id: Token(64),
    client_id: Token(64),
    client_secret: Token(256),
    subscription_id: Token(64),
  },
  { additionalProperties: false },
);

export type AwsCredential = Static<typeof AwsCredentialData>;
export type GcpCredential = Static<typeof GcpCredentialData>;

/** The `data` schema of each provider; the routes check a body's data against its provider's. */
export const CREDENTIAL_DATA: Readonly<Record<CloudProvider, typeof AwsCredentialData | typeof GcpCredentialData | typeof AzureCredentialData>> = {
  aws: AwsCredentialData,
  gcp: GcpCredentialData,
  azure: AzureCredentialData,
};
