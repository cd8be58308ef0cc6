import { useSyncExternalStore } from 'react';
import { getSession, subscribeSession, type SessionState } from '../api-client';

export function useSession(): SessionState {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}
