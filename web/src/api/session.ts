/**
 * The signed-in API key lives in sessionStorage only: gone when the tab closes, never in a URL,
 * never logged.
 */
const STORAGE_KEY = 'rzero.apiKey';

export const readStoredKey = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const storeKey = (key: string): void => sessionStorage.setItem(STORAGE_KEY, key);
export const clearStoredKey = (): void => sessionStorage.removeItem(STORAGE_KEY);
