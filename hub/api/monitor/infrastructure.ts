import type { RouteModule } from '../types.js';

/** Filled in by the infrastructure routes of kcloud-monitor-api. */
export const infrastructureRoutes: RouteModule = () => {};
