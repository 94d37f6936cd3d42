import type { RouteModule } from '../types.js';

/** Filled in by the auth routes of skyclust-api. */
export const authRoutes: RouteModule = () => {};
