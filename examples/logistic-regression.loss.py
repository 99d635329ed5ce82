# Logistic regression on 64 samples × 3 features (+ bias): the "logreg" problem of the PyTorch reference
# (the data of logistic-regression.csv, full batch, start at 0), written in PyTorch. The gradient is
# torch.autograd's, in float64. `loss(p, batch)`: batch is (X, y) at the rows our seeded sampler picked
# (all of them here: no batch_size).
import csv
import os

import torch

with open(os.path.join(os.path.dirname(__file__), "logistic-regression.csv")) as f:
    rows = list(csv.DictReader(f))
X = torch.tensor([[float(r["x1"]), float(r["x2"]), float(r["x3"])] for r in rows], dtype=torch.float64)
y = torch.tensor([float(r["y"]) for r in rows], dtype=torch.float64)

name = "Logistic regression (reference logreg, PyTorch)"
params = {"w": [0.0, 0.0, 0.0], "b": 0.0}
data = (X, y)  # rows along the first axis; a batch is (X[rows], y[rows])


def loss(p, batch):
    Xb, yb = batch
    z = Xb @ p["w"] + p["b"]
    return torch.nn.functional.binary_cross_entropy_with_logits(z, yb)
