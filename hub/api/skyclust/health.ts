import type { RouteModule } from '../types.js';

/** Filled in by the health routes of skyclust-api. */
export const healthRoutes: RouteModule = () => {};
