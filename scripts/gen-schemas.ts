// Writes the published JSON Schemas from the zod schemas that validate at run time, so the two
// cannot drift (a test compares them): npm run schemas.
import { mkdirSync, writeFileSync } from 'node:fs';
import { planJsonSchema } from '../src/plan/schema.js';

mkdirSync('schemas', { recursive: true });
writeFileSync('schemas/plan.schema.json', JSON.stringify(planJsonSchema(), null, 2) + '\n');
console.log('wrote schemas/plan.schema.json');
