import type { RouteModule } from '../types.js';

/** Filled in by the accelerators routes of kcloud-monitor-api. */
export const acceleratorsRoutes: RouteModule = () => {};
