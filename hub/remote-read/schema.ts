import { Type } from '@sinclair/typebox';
import { StringEnum } from '../api/monitor/schemas/common.js';

/** `metadata` fields of a monitoring answer read through RemoteReader (the Envelope's 4th argument). */
export const StoreMetadata = {
  sources: Type.Array(StringEnum(['remote', 'local']), {
    description: 'The stores that served the series, oldest part first: `local` (the hub\'s store), `remote` (storage.remoteRead, for the steps beyond local retention or all of them)',
  }),
  warnings: Type.Optional(
    Type.Array(Type.String(), { description: 'Present when the remote store was needed and not read: the answer holds only what the local store has, and says from when' }),
  ),
};
