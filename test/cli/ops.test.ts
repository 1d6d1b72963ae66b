import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { allOps } from '../../src/ir/index.js';

async function cli(argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('qforge ops', () => {
  it('lists every registered op with its attributes and defaults', async () => {
    const r = await cli(['ops']);
    expect(r.code).toBe(0);
    for (const d of allOps()) expect(r.out).toContain(`${d.name}(`);
    expect(r.out).toMatch(/conv2d\(x, w, b\?\)/);
    expect(r.out).toMatch(/group: int = 1/);
  });

  it('prints a markdown table filtered by category', async () => {
    const r = await cli(['ops', '--markdown', '--category', 'quantized']);
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').slice(2);
    expect(rows.length).toBe(allOps().filter((d) => d.category === 'quantized').length);
    expect(r.out).toContain('`qconv2d`');
    expect(r.out).not.toContain('`conv2d`');
  });
});
