// Public surface of the optimizer core.
export * from './types';
export * from './simulation';
