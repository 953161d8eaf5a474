import { useApiQuery } from './use-api-query';

/** The visible benchmarks (GET /benchmarks). */
export const useBenchmarks = () =>
  useApiQuery('benchmarks', (rz) => rz.ok(rz.api.GET('/benchmarks')));
