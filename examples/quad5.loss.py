# The 5-D convex quadratic f(x) = ½ xᵀAx − bᵀx of the PyTorch reference ("quad5": same A, b and start),
# written in PyTorch: the gradient is torch.autograd's, in float64 (examples/quad5.loss.ts is the same
# loss in TypeScript).
import torch

A = torch.tensor([
    [4.0, 1.0, 0.5, 0.0, 0.0],
    [1.0, 3.0, 0.2, 0.3, 0.0],
    [0.5, 0.2, 2.0, 0.4, 0.1],
    [0.0, 0.3, 0.4, 1.0, 0.2],
    [0.0, 0.0, 0.1, 0.2, 0.3],
], dtype=torch.float64)
b = torch.tensor([1.0, -2.0, 0.5, 3.0, -1.0], dtype=torch.float64)

name = "5-D quadratic (reference quad5, PyTorch)"
params = {"x": [2.0, -1.0, 0.5, -2.0, 1.0]}  # labelled x[0] … x[4]


def loss(p):
    x = p["x"]  # a float64 tensor of shape (5,)
    return 0.5 * x @ (A @ x) - b @ x
