import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { freePort } from '../../../helpers/mosquitto.js';
import { startMoto, type Moto } from '../../integrations/clouds/moto.js';

/** moto_server checking every access key (INITIAL_NO_AUTH_ACTION_COUNT=0): a key AWS does not know is refused before anything is stored. */
describe('skyclust credentials: a key the provider refuses', () => {
  let moto: Moto;
  let h: ApiHub;

  beforeAll(async () => {
    moto = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '0' });
    h = await startApiHub({ clouds: { aws: { endpoint: moto.endpoint } } });
  });
  afterAll(async () => {
    await h?.close();
    await moto?.stop();
  });

  it('is a 400 VALIDATION_ERROR with the provider\'s code and message, and no record or secret is kept', async () => {
    const res = await h.request('/api/v1/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'wrong', provider: 'aws', data: { access_key: 'AKIANOTAKNOWNKEY0001', secret_key: 'not-the-secret-0123456789', region: 'us-east-1' } }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, code: 'VALIDATION_ERROR', data: { parameter: 'data', provider: 'aws', provider_code: 'AuthFailure' } });
    expect(body.error).toContain('aws refused: AuthFailure');
    expect(body.data.provider_message).toMatch(/not able to validate/);
    expect(JSON.stringify(body)).not.toContain('not-the-secret-0123456789');
    expect(h.db.prepare('SELECT count(*) AS n FROM cloud_credentials').get()).toEqual({ n: 0 });
    expect(h.db.prepare("SELECT count(*) AS n FROM secrets WHERE name LIKE 'cloud-credential/%'").get()).toEqual({ n: 0 });
  });

  it('assumes role_arn through STS with the key: a key STS refuses is its 400, not EC2\'s', async () => {
    const res = await h.request('/api/v1/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'role', provider: 'aws', data: { access_key: 'AKIANOTAKNOWNKEY0002', secret_key: 'not-the-secret-0123456789', region: 'us-east-1', role_arn: 'arn:aws:iam::123456789012:role/kcloud' } }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'VALIDATION_ERROR', data: { parameter: 'data', provider: 'aws', provider_code: 'InvalidClientTokenId' } });
    expect(h.db.prepare('SELECT count(*) AS n FROM cloud_credentials').get()).toEqual({ n: 0 });
  });
});

/** A provider endpoint nothing listens on: the credential cannot be checked, so it is not stored. */
describe('skyclust credentials: a provider that does not answer', () => {
  let h: ApiHub;
  beforeAll(async () => {
    const closed = await freePort();
    h = await startApiHub({ clouds: { aws: { endpoint: `http://127.0.0.1:${closed}` } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is a 503 SERVICE_UNAVAILABLE naming the provider, and nothing is kept', async () => {
    const res = await h.request('/api/v1/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', provider: 'aws', data: { access_key: 'AKIAEXAMPLEKEY000001', secret_key: 'unreachable-secret-0123', region: 'us-east-1' } }),
    });
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', data: { provider: 'aws', provider_code: 'Unreachable' } });
    expect(body.error).toContain('aws did not answer');
    expect(h.db.prepare('SELECT count(*) AS n FROM cloud_credentials').get()).toEqual({ n: 0 });
  });
});
