/**
 * The month's figures a provider states and a customer recomputes: per
 * customer and service, the totals of docs/sla-rules.md §4 that decide money.
 * They ride in the signed evidence block, so `reconcile --verify` can say
 * whether the file's own data gives the minutes the provider issued.
 */
import { SERVICES, type ReconcileResult, type Service } from '../sla/types.ts';

export const FIGURE_FIELDS = [
  'monthSeconds', 'allowedSeconds', 'countableSeconds', 'excludedSeconds', 'measuredSeconds',
  'claimedSeconds', 'disputedSeconds', 'breached', 'feeWaived',
] as const;
export type FigureField = (typeof FIGURE_FIELDS)[number];
export type ServiceFigures = Record<FigureField, number | boolean>;

export interface Figures {
  month: string;
  customers: Record<string, Partial<Record<Service, ServiceFigures>>>;
}

export function figuresOf(result: ReconcileResult): Figures {
  const customers: Figures['customers'] = {};
  for (const c of result.customers) {
    const services: Partial<Record<Service, ServiceFigures>> = {};
    for (const s of SERVICES) {
      const r = c.services[s];
      if (!r) continue;
      const f = {} as ServiceFigures;
      for (const k of FIGURE_FIELDS) f[k] = r[k];
      services[s] = f;
    }
    customers[c.id] = services;
  }
  return { month: result.month, customers };
}

/** Each figure that differs, as a line people read; empty when all agree. */
export function figureDifferences(stated: Figures, recomputed: Figures): string[] {
  const out: string[] = [];
  if (stated.month !== recomputed.month) out.push(`month: issued ${stated.month}, recomputed ${recomputed.month}`);
  const ids = [...new Set([...Object.keys(stated.customers), ...Object.keys(recomputed.customers)])].sort();
  for (const id of ids) {
    for (const s of SERVICES) {
      const a = stated.customers[id]?.[s], b = recomputed.customers[id]?.[s];
      if (!a && !b) continue;
      if (!a || !b) { out.push(`${id} ${s}: ${a ? 'issued but not recomputed' : 'recomputed but not issued'}`); continue; }
      for (const k of FIGURE_FIELDS) {
        if (a[k] !== b[k]) out.push(`${id} ${s} ${k}: issued ${String(a[k])}, recomputed ${String(b[k])}`);
      }
    }
  }
  return out;
}
