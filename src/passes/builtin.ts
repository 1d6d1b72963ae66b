// Registers every built-in pass. To add a pass: write src/passes/<name>.ts exporting a PassDef
// (made with definePass) and list it here; nothing else needs to know about it.
import { csePass } from './cse.js';
import { dcePass } from './dce.js';
import { registerPass, type PassDef } from './manager/index.js';

export const BUILTIN_PASSES: readonly PassDef[] = [dcePass, csePass];

for (const p of BUILTIN_PASSES) registerPass(p);
