// Top-1 accuracy of stacked logits [N, ..., classes] (.npy) against integer labels [N] (.npy).
// Usage: node scripts/accuracy.js logits.npy labels.npy   (needs `npm run build`)
import { readNpy } from '../dist/ir/npy.js';

const [logitsPath, labelsPath] = process.argv.slice(2);
if (!logitsPath || !labelsPath) {
  console.error('usage: node scripts/accuracy.js logits.npy labels.npy');
  process.exit(2);
}
const logits = readNpy(logitsPath), labels = readNpy(labelsPath);
const n = labels.shape[0];
const classes = logits.shape.at(-1);
if (logits.shape[0] !== n || logits.data.length !== n * classes) {
  console.error(`accuracy: logits ${JSON.stringify(logits.shape)} do not match labels ${JSON.stringify(labels.shape)}`);
  process.exit(1);
}
let correct = 0;
for (let i = 0; i < n; i++) {
  let best = 0;
  for (let c = 1; c < classes; c++) if (logits.data[i * classes + c] > logits.data[i * classes + best]) best = c;
  if (best === Number(labels.data[i])) correct++;
}
console.log(`accuracy: ${correct}/${n} = ${((100 * correct) / n).toFixed(2)}%`);
