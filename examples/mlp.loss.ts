// A tiny neural network: 2 inputs → 48 tanh units → 1 logit, 193 parameters, trained with binary
// cross-entropy on "two moons" (two interleaved half circles, 160 points generated below).
// Adaptive optimizers (Adam, RMSProp) usually beat plain SGD here; the per-parameter effective
// learning rates show how differently they treat the first-layer weights and the output bias.
import type { LossDefinition } from './optimizer-diagnostics';

const H = 48; // hidden units

// Two moons with deterministic jitter (top-level code must be deterministic: it runs once for
// plain evaluation and once for automatic differentiation).
const rows = Array.from({ length: 160 }, (_, i) => {
  const upper = i % 2 === 0;
  const t = (Math.PI * Math.floor(i / 2)) / 79;
  const jx = 0.1 * Math.sin(12.9898 * i + 1.3);
  const jy = 0.1 * Math.cos(78.233 * i + 0.7);
  return upper
    ? { x1: Math.cos(t) + jx, x2: Math.sin(t) + jy, label: 0 }
    : { x1: 1 - Math.cos(t) + jx, x2: 0.5 - Math.sin(t) + jy, label: 1 };
});

// Small deterministic "random" initial weights (all-zero weights would keep the hidden units identical).
const init = (n: number, scale: number, phase: number) => Array.from({ length: n }, (_, i) => scale * Math.sin(1.7 * i + phase));

const params = {
  W1: init(2 * H, 1.0, 0.3), // W1[2h], W1[2h + 1]: weights of hidden unit h
  b1: init(H, 0.5, 1.1),
  W2: init(H, 0.3, 2.9),
  b2: 0,
};

export default {
  name: 'MLP on two moons (193 parameters)',
  params,
  data: rows,
  batchSize: 32,
  validation: 0.2,
  loss(p, batch) {
    let sum = 0;
    for (const r of batch) {
      let z = p.b2;
      for (let h = 0; h < H; h++) {
        z += p.W2[h] * Math.tanh(p.W1[2 * h] * r.x1 + p.W1[2 * h + 1] * r.x2 + p.b1[h]);
      }
      // Binary cross-entropy with logits, log(1 + e^z) − y·z, written to avoid overflow for large |z|.
      sum += Math.max(z, 0) - r.label * z + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return sum / batch.length;
  },
} satisfies LossDefinition<typeof params>;
