import type { RouteModule } from '../types.js';

/** Filled in by the audit-logs routes of skyclust-api. */
export const auditLogsRoutes: RouteModule = () => {};
