// "At step t": per run and parameter, the values behind the effective learning rate (θ, g, α, |Δθ|,
// |Δθ|/|θ| and the optimizer state), at the slider's step; for the Adam family also the bias-correction
// factors 1/(1−β1ᵗ) and 1/(1−β2ᵗ) that turn m, v into m̂, v̂.
import { formatNumber } from '../../src/protocol/format';
import { biasCorrection } from '../../src/protocol/series';
import type { SeriesColumn } from '../../src/protocol/messages';
import { nearestIndex } from '../charts/charts';
import type { Model } from '../model';

function at(c: SeriesColumn | undefined | null, step: number): number {
  if (!c || c.x.length === 0) return NaN;
  const i = nearestIndex(c.x, step);
  return i >= 0 && c.x[i]! <= step ? c.y[i]! : NaN;
}

export function renderStepTable(el: HTMLElement, model: Model, step: number): void {
  const runs = model.orderedRuns();
  el.replaceChildren();
  if (!runs.length) return;
  const states = [...new Set(runs.flatMap((r) => r.stateNames))];
  const corrected = runs.some((r) => r.stateNames.includes('exp_avg_hat'));
  const table = document.createElement('table');
  table.className = 'od-table step-table';
  const cap = document.createElement('caption');
  cap.textContent = `Step ${step}: θ after the step, g at θ before it, α the effective learning rate of the step. Decimated series show the nearest earlier sample.`;
  table.append(cap);
  const head = document.createElement('tr');
  for (const c of ['run', 'param', 'θ', 'g = ∂f/∂θ', 'α (eff. LR)', '|Δθ|', '|Δθ|/|θ|', ...(corrected ? ['1/(1−β1ᵗ)', '1/(1−β2ᵗ)'] : []), ...states]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c;
    if (c.startsWith('1/(1−β')) th.title = `Adam-family bias correction at step ${step}: ${c.includes('β1') ? 'm̂ = m' : 'v̂ = v'} · ${c} (with the run's betas)`;
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  for (const r of runs) {
    const bc = r.stateNames.includes('exp_avg_hat') ? biasCorrection(r.hyperparameters, step, r.stateNames.includes('exp_avg_sq_hat')) : null;
    for (const p of r.params) {
      const tr = document.createElement('tr');
      const cells = [
        r.label, p.name,
        formatNumber(at(p.value, step), 5),
        formatNumber(at(p.grad, Math.max(0, step - 1)), 4),
        formatNumber(at(p.effectiveLr, step), 4),
        formatNumber(at(p.stepSize, step), 4),
        formatNumber(at(p.updateRatio, step), 3),
        ...(corrected ? [bc ? formatNumber(bc.m, 5) : '—', bc?.v != null ? formatNumber(bc.v, 5) : '—'] : []),
        ...states.map((s) => (p.state[s] ? formatNumber(at(p.state[s], step), 4) : '—')),
      ];
      const bcOff = r.hyperparameters['bias_correction'] === false;
      cells.forEach((v, k) => {
        const td = document.createElement(k < 2 ? 'th' : 'td');
        if (k < 2) (td as HTMLTableCellElement).scope = 'row';
        if (bcOff && corrected && (k === 7 || k === 8)) td.title = 'bias_correction = false: the raw moments are used (m̂ = m, v̂ = v: factor 1)';
        td.textContent = v === 'NaN' ? '—' : v;
        tr.append(td);
      });
      tbody.append(tr);
    }
  }
  table.append(thead, tbody);
  el.append(table);
}
