import type { RouteModule } from '../types.js';

/** Filled in by the power routes of kcloud-monitor-api. */
export const powerRoutes: RouteModule = () => {};
