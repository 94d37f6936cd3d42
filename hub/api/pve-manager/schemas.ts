import { Type } from '@sinclair/typebox';

/** errors.ts: `{error: {code, message, details}}`; details of a 400 are `{field, reason}`, others free-form. */
export const PveError = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Object({}, { additionalProperties: true }) }) },
  { description: 'Proxmox manager error body' },
);
export const PveErrors = { '4xx': PveError, '5xx': PveError };

export const LoginAnswer = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  user: Type.Object({ id: Type.Integer(), username: Type.String(), role: Type.String() }),
  expires_at: Type.String({ format: 'date-time', description: 'when the session cookie expires' }),
});

export const LogoutAnswer = Type.Object({ success: Type.Boolean(), message: Type.String() });
