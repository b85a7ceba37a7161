// The in-memory reference store against the shared contract suite.
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { storeContract } from './store-contract.js';

storeContract('memory', () => createMemoryStore(), { readJournalSince: true });
