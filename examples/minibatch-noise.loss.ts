// Mini-batch noise: the same least-squares fit as linear-regression.loss.ts, but every step sees
// only 4 of the 48 rows (reshuffled each epoch). SGD's trajectory on the contour plot jitters around
// the full-batch path and its loss curve is noisy; with a constant learning rate it never settles
// exactly, it hovers in a noise ball whose size grows with lr and shrinks with batchSize.
// Try the panel's batch-size override (e.g. 48 = full batch) and seeds: the same seed gives the same run.
import type { LossDefinition } from './optimizer-diagnostics';

// 48 points of y = 2x + 1 plus deterministic pseudo-noise (top-level code must be deterministic).
const rows = Array.from({ length: 48 }, (_, i) => {
  const x = -1 + (2 * i) / 47;
  const noise = 0.5 * Math.sin(97.3 * i) * Math.cos(13.1 * i);
  return { x, y: 2 * x + 1 + noise };
});

const params = { w: -1, b: -1 };

export default {
  name: 'Mini-batch noise (batch of 4)',
  params,
  data: rows,
  batchSize: 4,
  loss(p, batch) {
    let sum = 0;
    for (const r of batch) {
      const e = p.w * r.x + p.b - r.y;
      sum += e * e;
    }
    return sum / batch.length;
  },
  domain: { w: [-2, 4], b: [-2, 3] },
} satisfies LossDefinition<typeof params>;
