// "End point" (README "Generalisation"): for every run, the report the runner computed at its last
// recorded θ with the core's endpointReport (the same as simulate --endpoint / compare's end-point
// table): full-batch train loss, held-out loss and gap, sharpness λ_max(H) (method and solver named),
// ε-flatness and its ρ. Draws only: the numbers come from the host.
import type { EndpointReport } from '../../src/core/curvature/endpoint';
import { formatNumber } from '../../src/protocol/format';
import type { Model } from '../model';
import { syncTable } from './tableDom';

/** The λ_max cell: `0.0277` (≥ when Lanczos stopped before the tolerance: a lower bound), `—` without second derivatives. */
export function sharpnessCell(e: EndpointReport): string {
  if (e.sharpness === null) return '—';
  return `${e.sharpness_converged === false ? '≥ ' : ''}${formatNumber(e.sharpness, 4)}`;
}

export function sharpnessMethod(e: EndpointReport): string {
  return e.sharpness_method === null ? 'none (no second derivatives)' : `${e.sharpness_method}, ${e.sharpness_solver}`;
}

const signed = (v: number): string => `${v > 0 ? '+' : ''}${formatNumber(v, 3)}`;

/** Columns and cells of the end-point table (tests read the same strings). */
export function endpointRows(model: Model): { header: string[]; rows: { runId: string; cells: string[] }[] } {
  const runs = model.orderedRuns().filter((r) => r.endpoint);
  const held = runs.some((r) => r.endpoint!.heldout_loss !== null);
  const header = ['run', 'train loss', ...(held ? ['held-out loss', 'gap'] : []), 'λ_max(H)', 'method', 'ε-flatness', 'ρ'];
  const rows = runs.map((r) => {
    const e = r.endpoint!;
    return {
      runId: r.runId,
      cells: [
        r.label,
        formatNumber(e.train_loss, 4),
        ...(held ? [e.heldout_loss === null ? '—' : formatNumber(e.heldout_loss, 4), e.gap === null ? '—' : signed(e.gap)] : []),
        sharpnessCell(e),
        sharpnessMethod(e),
        formatNumber(e.flatness, 3),
        formatNumber(e.rho, 3),
      ],
    };
  });
  return { header, rows };
}

const TITLES: Record<string, string> = {
  'train loss': 'f(θ) on all training rows, no gradient noise (not the last mini-batch\'s loss)',
  'held-out loss': 'the loss on the file\'s validation rows at θ',
  gap: 'held-out loss − train loss',
  'λ_max(H)': 'largest eigenvalue of the full-batch Hessian at θ (≥: Lanczos stopped before its tolerance, a lower bound)',
  method: 'how the Hessian is computed (analytic, autodiff or numeric) and the eigen solver (dense, or Lanczos above 200 parameters)',
  'ε-flatness': 'mean of f(θ + ρu) − f(θ) over 20 seeded random unit directions u (seed: the seed field)',
  ρ: 'the perturbation norm ρ = 0.05‖θ‖₂',
};

export function renderEndpointTable(el: HTMLElement, model: Model): void {
  const { header, rows } = endpointRows(model);
  el.hidden = rows.length === 0;
  syncTable(el, rows.length === 0 ? null : {
    className: 'od-table endpoint-table',
    caption: 'End point of each run (its last recorded θ): the train/held-out gap, the sharpness λ_max(H) and the ε-flatness, as simulate --endpoint reports them.',
    head: header.map((c) => (TITLES[c] ? { text: c, title: TITLES[c]! } : { text: c })),
    rows: rows.map((r) => ({ data: { runId: r.runId }, cells: r.cells.map((v, k) => (k === 0 ? { text: v, header: true } : { text: v })) })),
  });
}
