// What the demo's page and its engine worker both need to know: the finished statuses and the localStorage keys
// of the clock preferences (the worker has no localStorage: the page keeps them for it).
export { FINISHED } from '../../js-engine/core/journal/index.js';
export const CLOCK_KEY = 'pyworkflows-demo.clock';
export const NOW_KEY = 'pyworkflows-demo.now';
// The real clock's lead over the system time (see runtime.js makeClock).
export const OFFSET_KEY = 'pyworkflows-demo.offset';
export const PREF_KEYS = [CLOCK_KEY, NOW_KEY, OFFSET_KEY];
