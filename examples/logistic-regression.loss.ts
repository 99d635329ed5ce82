// Logistic regression on 64 samples × 3 features (+ bias): the "logreg" problem of the PyTorch
// reference trajectories (same data in logistic-regression.csv, full batch, start at 0).
// Loss: mean binary cross-entropy, written as log(1 + e^z) − y·z with z = x·w + b.
// `typeof params` gives `p` exact types: p.w is number[], p.b is number.
import type { LossDefinition } from './optimizer-diagnostics';

const params = { w: [0, 0, 0], b: 0 };

export default {
  name: 'Logistic regression (reference logreg)',
  params,
  data: './logistic-regression.csv', // columns x1, x2, x3, y (relative to this file)
  loss(p, batch) {
    let sum = 0;
    for (const r of batch) {
      const z = p.b + r.x1 * p.w[0] + r.x2 * p.w[1] + r.x3 * p.w[2];
      sum += Math.log1p(Math.exp(z)) - r.y * z;
    }
    return sum / batch.length;
  },
} satisfies LossDefinition<typeof params>;
