import type { ModelView } from '@rzero/client';
import { useApiQuery } from './use-api-query';

/** The visible models (GET /models) and a name lookup by id. */
export function useModels() {
  const query = useApiQuery('models', (rz) => rz.ok(rz.api.GET('/models')));
  const names = new Map((query.data ?? []).map((m: ModelView) => [m.id, m.name]));
  return { ...query, nameOf: (id: string) => names.get(id) ?? id.slice(0, 8) };
}
