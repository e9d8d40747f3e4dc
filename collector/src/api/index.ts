/** The NOC's HTTP API under /api/v1: reports, authorised operations, exclusions, customers, SLA figures and scenarios, ports' states, restoration notices, statements. */
import type { Route } from '../http/router.ts';
import type { ApiContext } from './context.ts';
import { reportRoutes } from './reports.ts';
import { exclusionRoutes } from './exclusions.ts';
import { customerRoutes } from './customers.ts';
import { customerImportRoutes } from './customer-import.ts';
import { slaRoutes } from './sla.ts';
import { noticeRoutes } from './notices.ts';
import { statementRoutes } from './statements.ts';
import { tokenRoutes } from './tokens.ts';
import { portRoutes } from './ports.ts';
import { operationRoutes } from './operations.ts';

export type { ApiContext } from './context.ts';

export function apiRoutes(ctx: ApiContext): Route[] {
  return [
    ...reportRoutes(ctx), ...exclusionRoutes(ctx), ...customerRoutes(ctx), ...customerImportRoutes(ctx), ...slaRoutes(ctx),
    ...noticeRoutes(ctx), ...statementRoutes(ctx), ...tokenRoutes(ctx), ...portRoutes(ctx), ...operationRoutes(ctx),
  ];
}
