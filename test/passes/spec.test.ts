import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { QforgeError, formatDiagnostic } from '../../src/diagnostics/index.js';
import {
  definePass,
  formatPipeline,
  listPasses,
  parsePipeline,
  parseSpec,
  registerPass,
  resolvePipeline,
  type OptionSpec,
  type PipelineStep,
} from '../../src/passes/index.js';

// A pass with one option of every kind, to exercise the schema.
const kitchen = definePass({
  kind: 'transform',
  name: 'test-kitchen',
  description: 'test pass with every option type',
  options: {
    count: { type: 'int', default: 3, min: 0, max: 100, doc: 'an int' },
    ratio: { type: 'float', default: 0.5, doc: 'a float' },
    'per-channel': { type: 'bool', default: false, doc: 'a bool' },
    label: { type: 'string', default: 'x', doc: 'a string' },
    quantizer: { type: 'enum', values: ['xnnpack', 'qnnpack', 'x86'], default: 'xnnpack', doc: 'an enum' },
    axes: { type: 'list', of: 'int', default: [0], doc: 'a list of ints' },
    ops: { type: 'list', of: ['add', 'mul'], default: [], doc: 'a list of enum values' },
  },
  run() {},
});
registerPass(kitchen);
// A composite: a pass that stands for a sub-pipeline chosen by its options.
registerPass(
  definePass({
    kind: 'composite',
    name: 'test-cleanup',
    description: 'fixpoint of cleanups',
    options: { rounds: { type: 'int', default: 10, min: 1, doc: 'rounds' }, fold: { type: 'bool', default: true, doc: 'fold too' } },
    expand: (o) => [{ fixpoint: ['remove-identity', ...(o.fold ? ['fold-constants'] : []), 'cse', 'dce'], maxIterations: o.rounds }],
  }),
);

/** The message and caret block of the error a spec raises. */
function specError(spec: string): string {
  try {
    parsePipeline(spec);
  } catch (e) {
    if (e instanceof QforgeError) return e.diagnostics.map(formatDiagnostic).join('\n');
    throw e;
  }
  throw new Error(`'${spec}' parsed`);
}

const names = (steps: PipelineStep[]): unknown[] => steps.map((s) => (s.kind === 'fixpoint' ? { fixpoint: names(s.steps), max: s.maxIterations } : s.pass.name));

describe('pipeline spec syntax', () => {
  it('parses names, options, lists, strings, flags and nested fixpoint groups with positions', () => {
    const items = parseSpec(' canonicalize , test-kitchen{axes=[1, -2], label="a b,c", per-channel}, fixpoint(cse,fixpoint(dce)){max-iterations=3}');
    expect(items.map((i) => i.name)).toEqual(['canonicalize', 'test-kitchen', 'fixpoint']);
    expect(items[0]!.offset).toBe(1);
    expect(items[1]!.options.map((o) => o.name)).toEqual(['axes', 'label', 'per-channel']);
    expect(items[1]!.options[1]!.value).toMatchObject({ kind: 'word', text: 'a b,c', quoted: true });
    expect(items[1]!.options[2]!.value).toBeUndefined();
    expect(items[2]!.body!.map((i) => i.name)).toEqual(['cse', 'fixpoint']);
    expect(items[2]!.body![1]!.body!.map((i) => i.name)).toEqual(['dce']);
  });

  it('resolves options to typed values with defaults filled in', () => {
    const [s] = parsePipeline('test-kitchen{count=7,ratio=-1.5e-3,per-channel,quantizer=x86,axes=[1,2],ops=mul,label=path/to/file.qpat}');
    expect(s!.kind === 'pass' && s!.options).toEqual({
      count: 7,
      ratio: -1.5e-3,
      'per-channel': true,
      label: 'path/to/file.qpat',
      quantizer: 'x86',
      axes: [1, 2],
      ops: ['mul'],
    });
    const [d] = parsePipeline('test-kitchen');
    expect(d!.kind === 'pass' && d!.options).toMatchObject({ count: 3, 'per-channel': false, axes: [0] });
  });

  it('an empty spec is an empty pipeline; fixpoint defaults to 10 rounds', () => {
    expect(parsePipeline('  ')).toEqual([]);
    expect(names(parsePipeline('fixpoint(cse,dce)'))).toEqual([{ fixpoint: ['cse', 'dce'], max: 10 }]);
  });

  it('expands composite passes when they are resolved', () => {
    const [s] = parsePipeline('test-cleanup{rounds=4,fold=false}');
    expect(s!.kind === 'pass' && names(s!.expansion!)).toEqual([{ fixpoint: ['remove-identity', 'cse', 'dce'], max: 4 }]);
  });
});

describe('pipeline spec errors name the position and the valid names', () => {
  it('unknown pass: caret under the name, nearest name and the list', () => {
    const msg = specError('canonicalize,csee,dce');
    expect(msg).toContain('pipeline:1:14: error QF1002: unknown pass \'csee\'');
    expect(msg).toContain('\n  canonicalize,csee,dce\n               ^^^^\n');
    expect(msg).toMatch(/hint: did you mean 'cse'\? valid passes: .*canonicalize.*dce/);
  });

  it('unknown option: the option names of that pass', () => {
    const msg = specError('cse,test-kitchen{cuont=2}');
    expect(msg).toContain("pipeline:1:18: error QF1003: unknown option 'cuont' for pass 'test-kitchen'");
    expect(msg).toContain("did you mean 'count'?");
    expect(specError('dce{x=1}')).toContain('dce');
    expect(specError('dce{x=1}')).toContain('takes no options');
  });

  it('ill-typed values point at the value, list errors at the item', () => {
    expect(specError('test-kitchen{count=2.5}')).toMatch(/1:20: error QF1003: option 'count' of pass 'test-kitchen': expected an integer, got '2.5'/);
    expect(specError('test-kitchen{count=101}')).toMatch(/must be at most 100/);
    expect(specError('test-kitchen{per-channel=yes}')).toMatch(/expected true or false, got 'yes'/);
    expect(specError('test-kitchen{quantizer=xnnpak}')).toMatch(/'xnnpak' is not one of xnnpack\|qnnpack\|x86/);
    const list = specError('test-kitchen{axes=[1,b,3]}');
    expect(list).toMatch(/1:22: .*expected an integer, got 'b'/);
    expect(list).toContain('\n                       ^\n');
    expect(specError('test-kitchen{count}')).toMatch(/needs a value \(int\)/);
    expect(specError('test-kitchen{count=1,count=2}')).toMatch(/given twice/);
    expect(specError('fixpoint(cse){max-iterations=0}')).toMatch(/QF1003: option 'max-iterations' of fixpoint must be at least 1/);
  });

  it('syntax errors', () => {
    expect(specError('cse,,dce')).toMatch(/1:5: error QF1001: expected a pass name, found ','[\s\S]*remove the extra comma/);
    expect(specError('cse,')).toMatch(/1:5: .*expected a pass name, found the end of the spec/);
    expect(specError('fixpoint(cse')).toMatch(/expected '\)' to close fixpoint\(/);
    expect(specError('cse(dce)')).toMatch(/only fixpoint takes a parenthesised pipeline/);
    expect(specError('fixpoint{max-iterations=2}')).toMatch(/fixpoint needs a parenthesised pipeline/);
    expect(specError('cse dce')).toMatch(/1:5: .*expected ',' between passes, found 'dce'/);
    expect(specError('test-kitchen{label="abc}')).toMatch(/1:20: .*unterminated string/);
    expect(specError('test-kitchen{count=1')).toMatch(/expected '}' to close the options of test-kitchen/);
    expect(specError('test-kitchen{axes=[1,2}')).toMatch(/expected '\]' to close the list/);
  });

  it('JS-API items are validated too', () => {
    expect(() => resolvePipeline([{ pass: 'test-kitchen', options: { count: 'many' } }])).toThrow(/option 'count' of pass 'test-kitchen' expected an integer/);
    expect(() => resolvePipeline([{ pass: 'test-kitchen', options: { nope: 1 } }])).toThrow(/unknown option 'nope'/);
    expect(() => resolvePipeline([{ pass: 'nope' }])).toThrow(/unknown pass 'nope'/);
    expect(() => resolvePipeline([{ fixpoint: ['cse'], maxIterations: 0 }])).toThrow(/at least 1/);
    const steps = resolvePipeline([kitchen, { fixpoint: ['cse', { pass: 'test-kitchen', options: { count: 9 } }], maxIterations: 2 }]);
    expect(names(steps)).toEqual(['test-kitchen', { fixpoint: ['cse', 'test-kitchen'], max: 2 }]);
  });

  it('registering checks names', () => {
    expect(() => registerPass({ ...kitchen })).toThrow(/registered twice/);
    expect(() => registerPass({ ...kitchen, name: 'Bad_Name' })).toThrow(/kebab-case/);
    expect(() => registerPass({ ...kitchen, name: 'fixpoint' })).toThrow(/reserved/);
  });
});

// Random pipelines over the registered passes: print, parse again, get the same steps.
function arbValue(spec: OptionSpec): fc.Arbitrary<unknown> {
  switch (spec.type) {
    case 'int':
      return fc.integer({ min: spec.min ?? -1000, max: spec.max ?? 1000 });
    case 'float':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: spec.min, max: spec.max });
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.string({ maxLength: 6, unit: 'binary' });
    case 'enum':
      return fc.constantFrom(...spec.values);
    case 'list':
      return fc.array(typeof spec.of === 'string' ? arbValue({ ...spec, type: spec.of, default: 0 } as OptionSpec) : fc.constantFrom(...spec.of), { maxLength: 3 });
  }
}

const arbPass = fc.constantFrom(...listPasses()).chain((p) =>
  fc.record(Object.fromEntries(Object.entries(p.options).map(([k, s]) => [k, arbValue(s)])), { requiredKeys: [] }).map((options) => ({ pass: p.name, options })),
);
type Item = { pass: string; options: Record<string, unknown> } | { fixpoint: Item[]; maxIterations: number };
const arbItems: fc.Arbitrary<Item[]> = fc.letrec<{ items: Item[]; item: Item }>((tie) => ({
  items: fc.array(tie('item'), { minLength: 1, maxLength: 4 }),
  item: fc.oneof({ depthSize: 'small', withCrossShrink: true }, arbPass, fc.record({ fixpoint: tie('items'), maxIterations: fc.integer({ min: 1, max: 20 }) })),
})).items;

const strip = (steps: PipelineStep[]): unknown =>
  steps.map((s) => (s.kind === 'fixpoint' ? { f: strip(s.steps), m: s.maxIterations } : { p: s.pass.name, o: s.options }));

describe('spec printing', () => {
  fcTest.prop([arbItems], { numRuns: 150 })('formatPipeline then parsePipeline gives the same pipeline', (items) => {
    const steps = resolvePipeline(items);
    const text = formatPipeline(steps);
    expect(strip(parsePipeline(text))).toEqual(strip(steps));
  });
});

describe('spec printing of -0', () => {
  it('keeps the sign of a float option set to -0 (String(-0) is "0", the default of most)', () => {
    const p = listPasses().find((d) => Object.values(d.options).some((s) => s.type === 'float'));
    expect(p).toBeDefined();
    const [key] = Object.entries(p!.options).find(([, s]) => s.type === 'float')!;
    const text = formatPipeline(resolvePipeline([{ pass: p!.name, options: { [key]: -0 } }]));
    expect(text).toContain(`${key}=-0`);
    const [step] = parsePipeline(text);
    expect(step!.kind === 'pass' && Object.is(step!.options[key], -0)).toBe(true);
  });
});
