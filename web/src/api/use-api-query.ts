import { useEffect } from 'react';
import { ApiError, type RzeroClient } from '@rzero/client';
import { useAuth } from './auth-context';
import { useQuery, type Query } from './use-query';

/** `useQuery` with the signed-in client; a 401 (the key was revoked) signs out. */
export function useApiQuery<T>(
  key: string,
  load: (rz: RzeroClient) => Promise<T>,
  options: { refreshMs?: number } = {},
): Query<T> {
  const { rz, signOut } = useAuth();
  const query = useQuery(key, () => load(rz), options);
  const unauthenticated = query.error instanceof ApiError && query.error.status === 401;
  useEffect(() => {
    if (unauthenticated) signOut('Your API key is no longer valid. Sign in again.');
  }, [unauthenticated, signOut]);
  return query;
}
