import type { RouteModule } from '../types.js';

/** Filled in by the api-keys routes of skyclust-api. */
export const apiKeysRoutes: RouteModule = () => {};
