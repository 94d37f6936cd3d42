import type { AwsCredential } from '../credential-data.js';
import type { AwsOptions } from './ec2.js';
import { awsError } from './errors.js';

interface Identity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Assumed-role sessions last 15 minutes (STS's minimum); the SDK asks again when one expires. */
const SESSION_SECONDS = 900;

/**
 * The SDK credentials of a stored aws credential: its key, or with
 * `role_arn` a provider that assumes the role with that key through STS
 * (same endpoint override), so every call runs as the role.
 */
export function awsIdentity(c: AwsCredential, opts: AwsOptions): Identity | (() => Promise<Identity>) {
  const base = { accessKeyId: c.access_key, secretAccessKey: c.secret_key };
  if (!c.role_arn) return base;
  const roleArn = c.role_arn;
  return async () => {
    // Imported when a role is first assumed, not with the hub (like the EC2 SDK, ec2.ts).
    const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
    const sts = new STSClient({ region: c.region, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), credentials: base, maxAttempts: 1, requestHandler: { requestTimeout: opts.timeoutMs, connectionTimeout: opts.timeoutMs } });
    try {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'kcloud-hub', DurationSeconds: SESSION_SECONDS }));
      const k = out.Credentials;
      if (!k?.AccessKeyId || !k.SecretAccessKey) throw awsError({ name: 'EmptyResponse', message: 'AssumeRole answered without credentials', $metadata: { httpStatusCode: 500 } });
      return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey, sessionToken: k.SessionToken, expiration: k.Expiration };
    } catch (err) {
      throw awsError(err);
    } finally {
      sts.destroy();
    }
  };
}
