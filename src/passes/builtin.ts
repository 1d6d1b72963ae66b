// Registers every built-in pass. To add a pass: write src/passes/<name>.ts exporting a PassDef
// (made with definePass) and list it here; nothing else needs to know about it.
import { canonicalizePass } from './canonicalize.js';
import { assignDebugHandlesPass } from './assign-debug-handles.js';
import { csePass } from './cse.js';
import { dcePass } from './dce.js';
import { foldConstantsPass } from './fold-constants.js';
import { quantizeDynamicPass } from './quantize/dynamic.js';
import { quantizeWeightOnlyPass } from './quantize/weight-only.js';
import { inferShapesPass } from './infer-shapes.js';
import { registerPass, type PassDef } from './manager/index.js';
import { removeIdentityPass } from './remove-identity.js';
import { QUANTIZE_PASSES } from './quantize/index.js';
import { PATTERN_PASSES } from './patterns.js';

export const BUILTIN_PASSES: readonly PassDef[] = [inferShapesPass, dcePass, csePass, foldConstantsPass, removeIdentityPass, canonicalizePass];

for (const p of BUILTIN_PASSES) registerPass(p);
for (const p of QUANTIZE_PASSES) registerPass(p);
for (const p of PATTERN_PASSES) registerPass(p);
registerPass(assignDebugHandlesPass);
for (const p of [quantizeDynamicPass, quantizeWeightOnlyPass]) registerPass(p);
