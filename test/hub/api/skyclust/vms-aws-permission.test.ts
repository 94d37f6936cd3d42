import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';

const AMI = 'ami-12c6146b'; // one of moto's built-in images
/** The IAM calls that make the limited user: moto lets this many requests through unauthenticated, then checks every key and policy. */
const SETUP_CALLS = 3;

/** An IAM query API call to moto_server (no IAM SDK in the project): the credential scope routes it to IAM; moto checks no signature for the first SETUP_CALLS requests. */
async function iam(moto: Moto, params: Record<string, string>): Promise<string> {
  const res = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString(),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return text;
}

/**
 * A key whose IAM policy allows reading EC2 but not launching: moto_server
 * checking every key and policy (after the setup calls) refuses
 * RunInstances, and the hub answers the refusal with the provider's code and
 * message, keeping no VM.
 */
describe('skyclust VMs on aws: a key without permission to launch', () => {
  let moto: Moto;
  let h: ApiHub;
  let ann: [string, string];
  let ws: string;
  let accessKey: string;
  let secretKey: string;
  const send = (method: string, path: string, body: unknown) => h.request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, user: ann });

  beforeAll(async () => {
    moto = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: String(SETUP_CALLS) });
    await iam(moto, { Action: 'CreateUser', UserName: 'reader' });
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ec2:DescribeRegions', 'ec2:DescribeInstances'], Resource: '*' }] };
    await iam(moto, { Action: 'PutUserPolicy', UserName: 'reader', PolicyName: 'read-ec2', PolicyDocument: JSON.stringify(policy) });
    const key = await iam(moto, { Action: 'CreateAccessKey', UserName: 'reader' });
    accessKey = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(key)![1]!;
    secretKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(key)![1]!;
    h = await startApiHub({ clouds: { aws: { endpoint: moto.endpoint } } });
    ann = await h.addUser('ann', 'user');
    ws = (await (await send('POST', '/api/v1/workspaces', { name: 'a' })).json()).data.id;
    // A hub and moto start on a loaded machine can take longer than the default hook limit.
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await moto?.stop();
  });

  it("stores the key (EC2 DescribeRegions is allowed), then refuses a VM create with EC2's permission error and keeps no record", async () => {
    const cred = await send('POST', '/api/v1/credentials', { name: 'reader', provider: 'aws', data: { access_key: accessKey, secret_key: secretKey, region: 'us-east-1' }, workspace_id: ws });
    expect(cred.status).toBe(201);
    const res = await send('POST', '/api/v1/vms', { name: 'not-allowed', provider: 'aws', instance_type: 't3.micro', region: 'us-east-1', workspace_id: ws, image_id: AMI });
    expect(res.status).toBe(400);
    const body = await res.json();
    // moto_server answers AccessDenied where EC2 answers UnauthorizedOperation: the hub passes on whichever code the provider gives.
    expect(body).toMatchObject({ success: false, code: 'VALIDATION_ERROR', data: { parameter: 'image_id', provider: 'aws', provider_code: 'AccessDenied' } });
    expect(body.data.provider_message).toContain('is not authorized to perform: ec2:RunInstances');
    expect(JSON.stringify(body)).not.toContain(secretKey);
    expect(h.db.prepare('SELECT count(*) AS n FROM cloud_vms').get()).toEqual({ n: 0 });
    expect(h.logs.text()).not.toContain(secretKey);
  });
});
