// Sparse features: a bag-of-features logistic model, 200 binary features, each present in only 1–5 % of
// the rows, on 600 synthetic rows generated below (seeded, deterministic), 20 % held out. Most features
// are rare, so their gradient components are zero on most rows and small on average: a per-parameter
// adaptive optimizer (AdaGrad, Adam) scales those components up, plain SGD moves them with the same lr as
// the frequent ones. README "Sparse gradients" gives the measured numbers (`compare --tune lr`).
import type { LossDefinition } from './optimizer-diagnostics';

const FEATURES = 200;
const ROWS = 600;

// A seeded Park–Miller generator (48271 · a mod 2³¹ − 1, exact in doubles): the data set is the same on every
// load (top-level code runs twice: plain and AD), and it uses only what the PyTorch export translates.
function prng(seed: number): () => number {
  let a = seed % 2147483647;
  return () => {
    a = (a * 48271) % 2147483647;
    return a / 2147483647;
  };
}
const rand = prng(20261202);
// feature j is present in a row with probability 1 % … 5 % (spread evenly over the 200 features)
const presence = Array.from({ length: FEATURES }, (_, j) => 0.01 + (0.04 * j) / (FEATURES - 1));
// the true weights: ±(1 … 3), so each rare feature matters when it is present
const wTrue = Array.from({ length: FEATURES }, () => (rand() < 0.5 ? -1 : 1) * (1 + 2 * rand()));
// Data rows hold numbers only: row `id`'s active features are ACTIVE[id] (the split and batches keep the id).
const ACTIVE: number[][] = [];
const rows = Array.from({ length: ROWS }, (_, id) => {
  const active: number[] = [];
  for (let j = 0; j < FEATURES; j++) if (rand() < presence[j]) active.push(j);
  ACTIVE.push(active);
  let z = -0.5;
  for (const j of active) z += wTrue[j];
  const label = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  return { id, label };
});

const params = { w: Array.from({ length: FEATURES }, () => 0), b: 0 };

export default {
  name: 'Sparse bag-of-features logistic regression (201 parameters)',
  params,
  data: rows,
  validation: 0.2,
  loss(p, batch) {
    let sum = 0;
    for (const r of batch) {
      let z = p.b;
      for (const j of ACTIVE[r.id]) z += p.w[j];
      // binary cross-entropy with logits, log(1 + e^z) − y·z, without overflow
      sum += Math.max(z, 0) - r.label * z + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return sum / batch.length;
  },
} satisfies LossDefinition<typeof params>;
