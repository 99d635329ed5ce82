// A 5-D convex quadratic f(x) = ½ xᵀAx − bᵀx: the "quad5" problem of the PyTorch reference
// trajectories (same A, b and start point), so runs here can be compared with torch.optim.
// A is symmetric positive definite with eigenvalues from 0.24 to 4.7 (condition number ≈ 19):
// plain gradient descent is limited by the largest, and crawls along the smallest.
// No grad export: the gradient Ax − b is computed by automatic differentiation.
import type { LossDefinition } from './optimizer-diagnostics';

const A = [
  [4, 1, 0.5, 0, 0],
  [1, 3, 0.2, 0.3, 0],
  [0.5, 0.2, 2, 0.4, 0.1],
  [0, 0.3, 0.4, 1, 0.2],
  [0, 0, 0.1, 0.2, 0.3],
];
const b = [1, -2, 0.5, 3, -1];

export default {
  name: '5-D quadratic (reference quad5)',
  params: { x: [2, -1, 0.5, -2, 1] }, // labelled x[0] … x[4]
  loss(p) {
    let quad = 0;
    let lin = 0;
    for (let i = 0; i < 5; i++) {
      let Ax = 0;
      for (let j = 0; j < 5; j++) Ax += A[i][j] * p.x[j];
      quad += p.x[i] * Ax;
      lin += b[i] * p.x[i];
    }
    return 0.5 * quad - lin;
  },
} satisfies LossDefinition;
