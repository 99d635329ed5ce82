// Least-squares line fit y ≈ w·x + b on linear-regression.csv (50 noisy points of y = 1.5x − 0.7),
// with 20% of the rows held out: the panel then plots the validation loss next to the training loss.
// The split is fixed for this file (it does not depend on the run's seed).
import type { LossDefinition } from './optimizer-diagnostics';

const params = { w: 0, b: 0 };

export default {
  name: 'Linear regression (20% validation)',
  params,
  data: './linear-regression.csv',
  validation: 0.2,
  // Mean squared error over the rows of the batch (here: all 40 training rows every step).
  loss(p, batch) {
    let sum = 0;
    for (const r of batch) {
      const e = p.w * r.x + p.b - r.y;
      sum += e * e;
    }
    return sum / batch.length;
  },
  domain: { w: [-1, 4], b: [-3, 2] }, // two parameters: contour plot window
  minimum: { w: 1.5, b: -0.7 }, // the line the data was generated from (the fit is close to it)
} satisfies LossDefinition<typeof params>;
