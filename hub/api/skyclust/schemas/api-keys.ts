import { Type } from '@sinclair/typebox';
import { IsoTime, Nullable } from './common.js';

/** An API key as lists show it: the prefix tells keys apart; neither the key nor its hash is ever listed. */
export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Nullable(Type.Array(Type.String(), { description: 'null: all of the owner\'s role' })),
  created_at: IsoTime,
  expires_at: Nullable(IsoTime),
  last_used_at: Nullable(IsoTime),
  revoked_at: Nullable(IsoTime),
});

/** The create answer, the only one with the key itself. */
export const ApiKeyCreated = Type.Object({ ...ApiKeyView.properties, key: Type.String({ description: 'the key; shown only in this answer, the hub keeps only its hash' }) });

export const ApiKeyList = Type.Object({ api_keys: Type.Array(ApiKeyView), total: Type.Integer() });

export const ApiKeyRevoked = Type.Object({ id: Type.String(), revoked: Type.Boolean() });
