import type { RouteModule } from '../types.js';

/** Filled in by the export routes of kcloud-monitor-api. */
export const exportRoutes: RouteModule = () => {};
