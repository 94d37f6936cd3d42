import type { RouteModule } from '../types.js';

/** Filled in by the ws routes of skyclust-api. */
export const wsRoutes: RouteModule = () => {};
