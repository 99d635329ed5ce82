// The runner's API lives with the runner (src/runner/api.ts); the panel code imports it from here.
export * from '../../runner/api';
