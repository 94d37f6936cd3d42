import type { RouteModule } from '../types.js';

/** Filled in by the clusters routes of kcloud-monitor-api. */
export const clustersRoutes: RouteModule = () => {};
