import { createRzeroClient, type RzeroClient } from '@rzero/client';

export interface Session {
  rz: RzeroClient;
  isAdmin: boolean;
}

export const clientFor = (apiKey: string): RzeroClient =>
  createRzeroClient({ baseUrl: window.location.origin, apiKey });

/** Checks a key and reads its role (GET /me; 401 = invalid key). */
export async function openSession(apiKey: string): Promise<Session> {
  const rz = clientFor(apiKey);
  const me = await rz.ok(rz.api.GET('/me'));
  return { rz, isAdmin: me.role === 'admin' };
}
