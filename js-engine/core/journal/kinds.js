// The step kinds, by the `kind` their records carry. A new kind is a module beside these, listed here.
import * as doKind from './do.js';
import * as sleepKind from './sleep.js';
import * as waitKind from './wait.js';

export const STEP_KINDS = Object.freeze({ do: doKind, sleep: sleepKind, wait: waitKind });
