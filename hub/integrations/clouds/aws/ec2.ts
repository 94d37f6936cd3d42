import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import type { AwsCredential } from '../credential-data.js';
import { CloudProviderError } from '../provider-error.js';
import type { InstanceState, LaunchRequest, VmProviderClient } from '../vm-provider.js';
import { awsIdentity } from './credentials.js';
import { awsError } from './errors.js';

export interface AwsOptions {
  /** Empty: AWS itself; else a private cloud or an emulator. */
  endpoint: string;
  timeoutMs: number;
  /** The cost allocation tag key launched instances carry with their workspace id; empty: none. */
  workspaceTag?: string;
}

/** EC2 state name -> the hub's status; `terminated` (gone) passes through as such. */
const EC2_STATUS: Record<string, InstanceState['status']> = { pending: 'pending', running: 'running', stopping: 'stopping', stopped: 'stopped', 'shutting-down': 'terminating', terminated: 'terminated' };

const stateOf = (i: Instance): InstanceState => ({
  instanceId: i.InstanceId!,
  status: EC2_STATUS[i.State?.Name ?? 'pending'] ?? 'pending',
  reason: i.StateReason?.Message ?? null,
  publicIp: i.PublicIpAddress ?? null,
  privateIp: i.PrivateIpAddress ?? null,
  zone: i.Placement?.AvailabilityZone ?? null,
  instanceType: i.InstanceType ?? null,
  imageId: i.ImageId ?? null,
});

type Ec2Sdk = typeof import('@aws-sdk/client-ec2');

/**
 * The EC2 SDK is imported on an AWS account's first call, not with the hub:
 * it is ~10 MB of heap and ~60 MB of RSS that a hub without AWS accounts
 * would carry (and every major garbage collection would walk).
 */
let sdk: Promise<Ec2Sdk> | null = null;
const loadSdk = () => (sdk ??= import('@aws-sdk/client-ec2'));

/** EC2 through the official SDK, one client per credential and region; every error as a CloudProviderError. */
export class AwsEc2 implements VmProviderClient {
  private connection: Promise<{ sdk: Ec2Sdk; client: EC2Client }> | null = null;

  constructor(
    private readonly credential: AwsCredential,
    private readonly region: string,
    private readonly opts: AwsOptions,
  ) {}

  private connect(): Promise<{ sdk: Ec2Sdk; client: EC2Client }> {
    return (this.connection ??= loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.EC2Client({
        region: this.region,
        ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
        credentials: awsIdentity(this.credential, this.opts),
        // The reconciler retries on its own schedule; a refused key must answer at once.
        maxAttempts: 1,
        requestHandler: { requestTimeout: this.opts.timeoutMs, connectionTimeout: this.opts.timeoutMs },
      }),
    })));
  }

  private async call<T>(fn: (ec2: { sdk: Ec2Sdk; client: EC2Client }) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.connect());
    } catch (err) {
      throw awsError(err);
    }
  }

  /** A signed call any valid key may make: proves the key before it is stored. */
  async validate(): Promise<void> {
    await this.call(({ sdk, client }) => client.send(new sdk.DescribeRegionsCommand({})));
  }

  async launch(req: LaunchRequest): Promise<InstanceState> {
    const out = await this.call(({ sdk, client }) =>
      client.send(
        new sdk.RunInstancesCommand({
          ImageId: req.imageId,
          InstanceType: req.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          ClientToken: req.clientToken,
          ...(req.keyPair ? { KeyName: req.keyPair } : {}),
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: req.name }, ...(this.opts.workspaceTag ? [{ Key: this.opts.workspaceTag, Value: req.workspaceId }] : [])] }],
        }),
      ),
    );
    const instance = out.Instances?.[0];
    if (!instance?.InstanceId) throw awsError({ name: 'EmptyResponse', message: 'RunInstances answered without an instance', $metadata: { httpStatusCode: 500 } });
    return stateOf(instance);
  }

  /** The instance as EC2 sees it; null once EC2 no longer knows the id (it forgets terminated instances after a while). */
  async describe(instanceId: string): Promise<InstanceState | null> {
    try {
      const out = await this.call(({ sdk, client }) => client.send(new sdk.DescribeInstancesCommand({ InstanceIds: [instanceId] })));
      const found = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
      return found ? stateOf(found) : null;
    } catch (err) {
      if (err instanceof CloudProviderError && err.code === 'InvalidInstanceID.NotFound') return null;
      throw err;
    }
  }

  async terminate(instanceId: string): Promise<void> {
    await this.call(({ sdk, client }) => client.send(new sdk.TerminateInstancesCommand({ InstanceIds: [instanceId] })));
  }

  close(): void {
    void this.connection?.then(({ client }) => client.destroy());
  }
}
