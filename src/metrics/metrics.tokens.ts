/** Which process a registry describes: the `process` label of every metric. */
export type MetricsRole = 'api' | 'worker' | 'api+worker';
export const METRICS_ROLE = Symbol('METRICS_ROLE');
