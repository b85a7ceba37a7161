// Random ids (instances, lease owners, control requests, events): 24 hex digits from the platform's crypto.
export function randomId() {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
