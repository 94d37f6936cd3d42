import type { RouteModule } from '../types.js';

/** Filled in by the workspaces routes of skyclust-api. */
export const workspacesRoutes: RouteModule = () => {};
