// Public surface of the optimizer core.
export * from './types';
export * from './simulation';
export * from './optimizers/registry';
export { PYTORCH, EPS_INSIDE_SQRT, TFJS, TEXTBOOK, CONVENTIONS, CONVENTION_NAMES, DTYPES, getConvention, isConventionName } from './optimizers/common';
export * from './losses/builtins';
export * from './curvature';
export * from './schedules';
export { decomposeEffectiveLr, formulaParts, inspectStep, RecordingCursor, renderFormula, type InspectedTerm, type LrDecomposition } from './optimizers/explain';
export { jacobi, planePoint, projectOntoPlane, topEigen, trajectoryPlane, type PathRows, type TrajectoryPlane } from './pca';
