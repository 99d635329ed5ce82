// Second derivatives: eigen-solvers, Lanczos, preconditioners, stability thresholds, step quality α.
export { jacobiEigen, symmetricEigenvalues, tridiagonalQL, lanczosExtremes, type EigenDecomposition, type LanczosOptions, type LanczosResult, type MatVec } from './eigen';
export { stabilityThreshold, preconditioner, isAdaptive, type StabilityThreshold, type SharpnessKind } from './stability';
export { computeCurvature, denseHessian, numericHvp, stepAlpha, type CurvatureSeries, type CurvatureOptions } from './curvature';
export { hessianReport, MAX_DENSE_HESSIAN, type HessianReport } from './report';
export { endpointReport, ENDPOINT_DENSE_MAX, ENDPOINT_LANCZOS_MAX, FLATNESS_SAMPLES, FLATNESS_RHO, type EndpointReport, type EndpointOptions } from './endpoint';
export { linearRate, spectralRadius2, type LinearRate } from './linearRate';
export { curvatureViews, MODES_MAX_DIM, type CurvatureViews, type HessianDirections, type QuadraticModes } from './views';
