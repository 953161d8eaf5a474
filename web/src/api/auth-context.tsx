import { createContext, useContext } from 'react';
import type { RzeroClient } from '@rzero/client';

export interface Auth {
  rz: RzeroClient;
  isAdmin: boolean;
  signOut: (reason?: string) => void;
}

export const AuthContext = createContext<Auth | null>(null);

/** The signed-in client; only rendered inside the signed-in shell. */
export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside the signed-in shell');
  return auth;
}

export const useRz = (): RzeroClient => useAuth().rz;
