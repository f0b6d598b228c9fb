// Lets `node --import ./scripts/register-ts.mjs x.ts` run TypeScript sources (tsx's loader).
import { register } from 'tsx/esm/api';
register();
