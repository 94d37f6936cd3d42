import { describe, expect, it } from 'vitest';
import { isSecretKey, maskSecrets, maskSecretText, SECRET_MASK } from '../../shared/secret-mask.js';

describe('isSecretKey', () => {
  it.each([
    ['password', true],
    ['passwordSecret', true],
    ['bearerTokenSecret', true],
    ['key', true],
    ['nodeKey', true],
    ['apiKey', true],
    ['X-Api-Key', true],
    ['Authorization', true],
    ['cookie', true],
    ['kubeconfig', true],
    ['client-key-data', true],
    ['KCLOUD_ADMIN_PASSWORD', true],
    ['tokenValue', true],
    ['tokenId', true],
    ['credentials', true],
    ['passwordFile', false],
    ['bearerTokenFile', false],
    ['accessTokenTtl', false],
    ['cookieName', false],
    ['tokenUrl', false],
    ['monkey', false],
    ['keyring', false],
    ['username', false],
    ['url', false],
    ['dataDir', false],
  ])('%s: %s', (name, secret) => {
    expect(isSecretKey(name)).toBe(secret);
  });
});

describe('maskSecretText', () => {
  it('masks the userinfo of every URL in a text, keeping the rest', () => {
    expect(maskSecretText('redis://:hunter2@db:6379/0 and mqtts://hub:pw@broker:8883')).toBe(`redis://${SECRET_MASK}@db:6379/0 and mqtts://${SECRET_MASK}@broker:8883`);
    expect(maskSecretText('http://prom:9090/api')).toBe('http://prom:9090/api');
  });

  it('masks HTTP credentials and whole PEM private keys', () => {
    expect(maskSecretText('sent Authorization: Bearer eyJhbGci.x.y to pve')).toBe(`sent Authorization: Bearer ${SECRET_MASK} to pve`);
    expect(maskSecretText('Basic YWRtaW46cHc=')).toBe(`Basic ${SECRET_MASK}`);
    expect(maskSecretText('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----')).toBe(SECRET_MASK);
  });
});

describe('maskSecrets', () => {
  it('masks strings under secret keys at any depth, keeps numbers, booleans and empty strings, and names the paths', () => {
    const masked: string[] = [];
    const out = maskSecrets(
      {
        user: 'alice',
        password: 'hunter2',
        nested: { list: [{ token: 't0k3n', name: 'one' }], passwordFile: '/etc/kcloud/pw' },
        credentials: { username: 'svc', tokens: ['a', 'b'] },
        apiKey: 100,
        secret: '',
        tls: { key: '/etc/kcloud/tls.key', cert: '/etc/kcloud/tls.crt' },
        url: 'redis://:pw@db',
      },
      (p) => masked.push(p),
    );
    expect(out).toEqual({
      user: 'alice',
      password: SECRET_MASK,
      nested: { list: [{ token: SECRET_MASK, name: 'one' }], passwordFile: '/etc/kcloud/pw' },
      credentials: { username: SECRET_MASK, tokens: [SECRET_MASK, SECRET_MASK] },
      apiKey: 100,
      secret: '',
      tls: { key: SECRET_MASK, cert: '/etc/kcloud/tls.crt' },
      url: `redis://${SECRET_MASK}@db`,
    });
    expect(masked.sort()).toEqual(['credentials.tokens.0', 'credentials.tokens.1', 'credentials.username', 'nested.list.0.token', 'password', 'tls.key']);
  });

  it('leaves the input as it was', () => {
    const input = { password: 'hunter2' };
    maskSecrets(input);
    expect(input.password).toBe('hunter2');
  });
});
