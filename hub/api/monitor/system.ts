import type { RouteModule } from '../types.js';

/** Filled in by the system routes of kcloud-monitor-api. */
export const systemRoutes: RouteModule = () => {};
