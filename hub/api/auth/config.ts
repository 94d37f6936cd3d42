import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$' });
const Limit = Type.Integer({ minimum: 1 });

/** One area's rate limiting: on or off, and optional per-principal limits that replace the shared ones. */
const areaRateLimit = (enabled: boolean) =>
  Type.Object(
    {
      enabled: Type.Boolean({ default: enabled }),
      anonymous: Type.Optional(Limit),
      authenticated: Type.Optional(Limit),
      apiKey: Type.Optional(Limit),
    },
    { default: {} },
  );

/** Token lifetimes, registration, sessions, login throttling and rate limits (docs/security.md). */
export const AuthConfigSchema = Type.Object(
  {
    /** Lifetime of a JWT from POST /auth/login or /auth/register; there is no refresh token, so clients log in again. */
    accessTokenTtl: Type.String({ ...Duration, default: '15m' }),
    /** How far a client's clock may be off when `exp`/`nbf`/`iat` are checked. */
    clockTolerance: Type.String({ ...Duration, default: '30s' }),
    registration: Type.Object(
      {
        /** POST /auth/register; off by default, so nobody can give themselves an account on a fresh hub. */
        enabled: Type.Boolean({ default: false }),
        /** skyclust-api's "the first registered user becomes admin", only while the hub has no admin at all. */
        firstUserAdmin: Type.Boolean({ default: false }),
      },
      { default: {} },
    ),
    password: Type.Object({ minLength: Type.Integer({ default: 8, minimum: 8, maximum: 128 }) }, { default: {} }),
    session: Type.Object(
      {
        ttl: Type.String({ ...Duration, default: '12h' }),
        cookieName: Type.String({ default: 'kcloud_session', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
        sameSite: Type.Union([Type.Literal('strict'), Type.Literal('lax')], { default: 'strict' }),
        /** `auto`: Secure when the request came over TLS (http.tls, or https behind a trusted proxy). */
        secure: Type.Union([Type.Literal('auto'), Type.Literal('always')], { default: 'auto' }),
      },
      { default: {} },
    ),
    /** Password logins over HTTP and MQTT (docs/security.md "Login throttling"). */
    loginThrottle: Type.Object(
      {
        window: Type.String({ ...Duration, default: '15m' }),
        /** Failures of one account from one source address before that pair gets 429 until the window passes. */
        perAccount: Type.Integer({ default: 5, minimum: 1 }),
        /** Failures from one source address, any accounts, before it gets 429. */
        perIp: Type.Integer({ default: 20, minimum: 1 }),
        /** Failures of one account from all sources before its logins are slowed (never refused). */
        delayAfter: Type.Integer({ default: 5, minimum: 1 }),
        /** The first slow-down; it doubles with each further failure up to maxDelay. */
        delay: Type.String({ ...Duration, default: '1s' }),
        maxDelay: Type.String({ ...Duration, default: '10s' }),
        /** argon2 password checks: at once, waiting in all, per source address and per account. */
        verification: Type.Object(
          {
            concurrency: Type.Integer({ default: 2, minimum: 1, maximum: 64 }),
            queue: Type.Integer({ default: 64, minimum: 1, maximum: 10000 }),
            perSource: Type.Integer({ default: 4, minimum: 1 }),
            perAccount: Type.Integer({ default: 8, minimum: 1 }),
          },
          { default: {} },
        ),
      },
      { default: {} },
    ),
    /** skyclust-api's limits: per API key, per signed-in user, per client ip for anonymous requests. */
    rateLimit: Type.Object(
      {
        window: Type.String({ ...Duration, default: '1h' }),
        anonymous: Type.Integer({ default: 100, minimum: 1 }),
        authenticated: Type.Integer({ default: 1000, minimum: 1 }),
        apiKey: Type.Integer({ default: 10000, minimum: 1 }),
        areas: Type.Object(
          {
            skyclust: areaRateLimit(true),
            pveManager: areaRateLimit(true),
            // Off: dashboards poll it (a 20-panel Grafana board at 10 s is 7200 requests/h) and it has a 10 000 req/s target.
            monitor: areaRateLimit(false),
          },
          { default: {} },
        ),
      },
      { default: {} },
    ),
  },
  { default: {} },
);

export type AuthConfig = Static<typeof AuthConfigSchema>;
export type RateLimitArea = keyof AuthConfig['rateLimit']['areas'];
