import { Type } from '@sinclair/typebox';

/** Token lifetimes, registration, rate limits and login throttling (docs/api.md). */
export const AuthConfigSchema = Type.Object({}, { default: {} });
