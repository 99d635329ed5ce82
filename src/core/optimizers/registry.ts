// The optimizer registry: one table drives the CLI, the UI's hyperparameter forms, the docs and
// the generic tests (PyTorch's optim_db / optax's _OPTIMIZERS_UNDER_TEST).

import type { HyperValue, Optimizer, OptimizerDefinition, OptimizerName, OptimizerOptions } from '../types';
import { adadelta } from './adadelta';
import { adagrad } from './adagrad';
import { adam, adamax, adamw, nadam, radam } from './adam';
import { lion } from './lion';
import { rmsprop } from './rmsprop';
import { rprop } from './rprop';
import { sgd, signsgd } from './sgd';

export const OPTIMIZERS: Readonly<Record<OptimizerName, OptimizerDefinition>> = Object.freeze({
  sgd, adagrad, rmsprop, adam, adamw, adamax, nadam, radam, adadelta, rprop, signsgd, lion,
});

export const OPTIMIZER_NAMES = Object.freeze(Object.keys(OPTIMIZERS) as OptimizerName[]);

export function isOptimizerName(name: string): name is OptimizerName {
  return Object.prototype.hasOwnProperty.call(OPTIMIZERS, name);
}

export function getOptimizerDefinition(name: string): OptimizerDefinition {
  if (!isOptimizerName(name)) throw new Error(`unknown optimizer "${name}" (known: ${OPTIMIZER_NAMES.join(', ')})`);
  return OPTIMIZERS[name];
}

export function createOptimizer(
  name: string,
  hyperparameters: Readonly<Record<string, HyperValue | undefined>> = {},
  options?: OptimizerOptions,
): Optimizer {
  return getOptimizerDefinition(name).create(hyperparameters, options);
}
