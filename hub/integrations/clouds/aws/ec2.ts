import { DescribeInstancesCommand, DescribeRegionsCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import type { AwsCredential } from '../credential-data.js';
import { awsIdentity } from './credentials.js';
import { awsError } from './errors.js';

export interface AwsOptions {
  /** Empty: AWS itself; else a private cloud or an emulator. */
  endpoint: string;
  timeoutMs: number;
}

/** What the hub keeps of an instance (docs/clouds.md: the VM record). */
export interface AwsInstanceState {
  instanceId: string;
  /** EC2's state name: pending, running, shutting-down, terminated, stopping, stopped. */
  state: string;
  reason: string | null;
  publicIp: string | null;
  privateIp: string | null;
  zone: string | null;
}

export interface LaunchRequest {
  imageId: string;
  instanceType: string;
  keyPair: string | null;
  name: string;
  /** EC2's ClientToken: a retried RunInstances with the same token starts no second instance. */
  clientToken: string;
}

const stateOf = (i: Instance): AwsInstanceState => ({
  instanceId: i.InstanceId!,
  state: i.State?.Name ?? 'pending',
  reason: i.StateReason?.Message ?? null,
  publicIp: i.PublicIpAddress ?? null,
  privateIp: i.PrivateIpAddress ?? null,
  zone: i.Placement?.AvailabilityZone ?? null,
});

/** EC2 through the official SDK, one client per credential and region; every error as a CloudProviderError. */
export class AwsEc2 {
  private readonly client: EC2Client;

  constructor(credential: AwsCredential, region: string, opts: AwsOptions) {
    this.client = new EC2Client({
      region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      credentials: awsIdentity(credential, opts),
      // The reconciler retries on its own schedule; a refused key must answer at once.
      maxAttempts: 1,
      requestHandler: { requestTimeout: opts.timeoutMs, connectionTimeout: opts.timeoutMs },
    });
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw awsError(err);
    }
  }

  /** A signed call any valid key may make: proves the key before it is stored. */
  async validate(): Promise<void> {
    await this.call(() => this.client.send(new DescribeRegionsCommand({})));
  }

  async launch(req: LaunchRequest): Promise<AwsInstanceState> {
    const out = await this.call(() =>
      this.client.send(
        new RunInstancesCommand({
          ImageId: req.imageId,
          InstanceType: req.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          ClientToken: req.clientToken,
          ...(req.keyPair ? { KeyName: req.keyPair } : {}),
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: req.name }] }],
        }),
      ),
    );
    const instance = out.Instances?.[0];
    if (!instance?.InstanceId) throw awsError({ name: 'EmptyResponse', message: 'RunInstances answered without an instance', $metadata: { httpStatusCode: 500 } });
    return stateOf(instance);
  }

  /** The instances of these ids EC2 still knows; an id it forgot is missing from the answer. */
  async describe(instanceIds: string[]): Promise<Map<string, AwsInstanceState>> {
    const out = await this.call(() => this.client.send(new DescribeInstancesCommand({ InstanceIds: instanceIds })));
    const states = new Map<string, AwsInstanceState>();
    for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) states.set(i.InstanceId, stateOf(i));
    return states;
  }

  async terminate(instanceId: string): Promise<void> {
    await this.call(() => this.client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })));
  }

  close(): void {
    this.client.destroy();
  }
}
