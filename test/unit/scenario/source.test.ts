import { describe, expect, it } from 'vitest';
import { SourceFile, formatPath } from '../../../src/scenario/source.js';
import { didYouMean, editDistance } from '../../../src/scenario/suggest.js';

const text = ['name: demo', 'faults:', '  - name: slow', '    network:', '      latnecy: 500ms', '      jitter: fast', ''].join('\n');

describe('SourceFile', () => {
  const source = new SourceFile('scenarios/demo.yaml', text);

  it('maps a path to the line and column of its value', () => {
    expect(source.locate(['faults', 0, 'network', 'jitter'])).toEqual({ line: 6, column: 15 });
    expect(source.locate(['name'])).toEqual({ line: 1, column: 7 });
  });

  it('maps a path to its key for unknown-key issues', () => {
    expect(source.locate(['faults', 0, 'network', 'latnecy'], { key: true })).toEqual({ line: 5, column: 7 });
  });

  it('falls back to the closest existing ancestor', () => {
    expect(source.locate(['faults', 0, 'network', 'missing'])).toEqual({ line: 5, column: 7 });
    expect(source.locate(['faults', 7])).toEqual({ line: 3, column: 3 });
  });

  it('draws a code frame with a caret under the column', () => {
    expect(source.codeFrame(6, 15)).toBe(['  5 |       latnecy: 500ms', '> 6 |       jitter: fast', '    |               ^'].join('\n'));
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    const broken = new SourceFile('x.yaml', 'name: a\nname: b\nfaults: [1, 2\n');
    const issues = broken.syntaxIssues();
    expect(issues.map((i) => i.code)).toContain('DUPLICATE_KEY');
    expect(issues.map((i) => i.code)).toContain('YAML_SYNTAX');
    const duplicate = issues.find((i) => i.code === 'DUPLICATE_KEY');
    expect(duplicate).toMatchObject({ file: 'x.yaml', line: 2, column: 1 });
  });

  it('gives the plain value of the document', () => {
    expect(source.toJS()).toEqual({ name: 'demo', faults: [{ name: 'slow', network: { latnecy: '500ms', jitter: 'fast' } }] });
  });

  it('formats paths the way messages show them', () => {
    expect(formatPath(['faults', 0, 'network', 'latency'])).toBe('faults[0].network.latency');
    expect(formatPath([])).toBe('');
  });
});

describe('did you mean', () => {
  it.each([
    ['latnecy', ['latency', 'jitter'], 'latency'],
    ['Latency', ['latency'], 'latency'],
    ['jiter', ['latency', 'jitter'], 'jitter'],
    ['toxcity', ['toxicity', 'stream'], 'toxicity'],
    ['banana', ['latency', 'jitter'], undefined],
  ])('%j among %j suggests %j', (word, candidates, expected) => {
    expect(didYouMean(word, candidates)).toBe(expected);
  });

  it('counts edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
