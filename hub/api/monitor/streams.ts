import type { RouteModule } from '../types.js';

/** Filled in by the streams routes of kcloud-monitor-api. */
export const streamsRoutes: RouteModule = () => {};
