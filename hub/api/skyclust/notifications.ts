import type { RouteModule } from '../types.js';

/** Filled in by the notifications routes of skyclust-api. */
export const notificationsRoutes: RouteModule = () => {};
