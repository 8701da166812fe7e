// Worker threads do not inherit the parent's tsx loader: register it here, then run the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./inference-worker.ts');
