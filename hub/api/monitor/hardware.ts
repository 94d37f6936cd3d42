import type { RouteModule } from '../types.js';

/** Filled in by the hardware routes of kcloud-monitor-api. */
export const hardwareRoutes: RouteModule = () => {};
