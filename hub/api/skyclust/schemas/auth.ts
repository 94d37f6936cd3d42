import { Type } from '@sinclair/typebox';
import { IsoTime, Nullable } from './common.js';
import { UserView } from './users.js';

/** The answer of register and login: a JWT access token and its user. */
export const TokenAnswer = Type.Object({
  token: Type.String(),
  token_type: Type.String({ description: 'always Bearer' }),
  expires_at: IsoTime,
  expires_in: Type.Integer({ description: 'seconds' }),
  user: UserView,
});

export const LogoutAnswer = Type.Object({ revoked: Nullable(Type.String({ description: 'jwt or session: what was ended; null for Basic and API keys' })) });
