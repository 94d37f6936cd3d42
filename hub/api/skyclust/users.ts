import type { RouteModule } from '../types.js';

/** Filled in by the users routes of skyclust-api. */
export const usersRoutes: RouteModule = () => {};
