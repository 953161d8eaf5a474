import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  answersEquivalent,
  gradeAnswer,
  latexToText,
  mathdNormalize,
  normalizeAnswer,
  numericEqual,
} from '../../src/rzero/answer-equivalence';

const equal: [string, string, string][] = [
  ['GSM8K thousands separator', '2,125', '2125'],
  ['dfrac vs decimal', '\\dfrac{1}{2}', '0.5'],
  ['text wrapper', '\\text{Evelyn}', 'Evelyn'],
  ['trailing .0', '5.0', '5'],
  ['negative fraction forms', '-3/4', '-\\frac{3}{4}'],
  ['tfrac vs decimal', '\\tfrac{3}{4}', '0.75'],
  ['\\frac12 shorthand', '\\frac12', '1/2'],
  ['decimal vs fraction', '0.50', '1/2'],
  ['braced thousands separator', '1{,}000', '1000'],
  ['float vs commas', '1000.0', '1,000'],
  ['whitespace', 'x + 1', 'x+1'],
  ['sqrt spacing', '\\sqrt 2', '\\sqrt{2}'],
  ['left/right', '\\left( 1, 2 \\right)', '(1,2)'],
  ['dollars', '$5$', '5'],
  ['trailing period (number)', '5.', '5'],
  ['trailing period (text, our extension)', 'Evelyn.', 'Evelyn'],
  ['degrees', '90^\\circ', '90'],
  ['percent', '10\\%', '10'],
  ['unit word', '5 cm', '5'],
  ['short assignment prefix', 'x = 3', '3'],
  ['inline math delimiters', '\\(3\\)', '3'],
  ['mixed number', '7 3/4', '31/4'],
  ['mixed number in LaTeX', '7\\frac{3}{4}', '7.75'],
  ['e-notation', '1e3', '1000'],
  ['case-insensitive text', 'NONE', 'None'],
  ['decimal vs improper fraction', '1.5', '3/2'],
];

const different: [string, string, string][] = [
  ['unreduced fractions stay apart (mathruler rule)', '1/2', '2/4'],
  ['integer vs non-integer form (mathruler rule)', '4/2', '2'],
  ['integer vs \\frac form', '\\frac{4}{2}', '2'],
  ['different numbers', '3', '3.5'],
  ['different expressions', 'x+1', 'x+2'],
  ['prefix numbers', '10', '100'],
  ['comma vs decimal point', '1,000', '1.000'],
  ['sign', '2', '-2'],
  ['ordered tuple', '(1,2)', '(2,1)'],
  ['tuple vs number', '1,2', '12'],
  ['symbolic (no sympy)', '\\sqrt{8}', '2\\sqrt{2}'],
  ['rounded decimal', '0.333', '1/3'],
  ['prefix text', 'Evelyn', 'Eve'],
  ['empty vs number', '', '0'],
  ["'None' vs number", 'None', '0'],
  ['float sums as sympy Floats', '0.1+0.2', '0.3'],
  // Operator names and accents are not dropped (pylatexenc keeps them; an outside check found
  // these equal before).
  ['tan vs cot', '\\tan x', '\\cot x'],
  ['sin vs cos', '\\sin x', '\\cos x'],
  ['log vs ln', '\\log 2', '\\ln 2'],
  ['max vs min', '\\max(1,2)', '\\min(1,2)'],
  ['cot x vs x', '\\cot x', 'x'],
  ['det A vs A', '\\det A', 'A'],
  ['hat vs bar', '\\hat{x}', '\\bar{x}'],
  ['vec vs plain', '\\vec{v}', 'v'],
  ['arcsin vs sin', '\\arcsin(1/2)', '\\sin(1/2)'],
  ['sinh vs cosh', '\\sinh 1', '\\cosh 1'],
  ['exp vs e', '\\exp(2)', 'e(2)'],
  ['gcd vs lcm', '\\gcd(4,6)', '\\operatorname{lcm}(4,6)'],
  ['unknown macros keep their names', '\\foo x', '\\baz x'],
  ['an unknown macro vs nothing', '\\foo x', 'x'],
];

describe('answersEquivalent', () => {
  for (const [why, a, b] of equal) {
    test(`equal: ${why} (${a} ~ ${b})`, () => {
      assert.equal(answersEquivalent(a, b), true);
      assert.equal(answersEquivalent(b, a), true);
    });
  }
  for (const [why, a, b] of different) {
    test(`different: ${why} (${a} vs ${b})`, () => {
      assert.equal(answersEquivalent(a, b), false);
      assert.equal(answersEquivalent(b, a), false);
    });
  }
  test('operator names and accents survive LaTeX to text', () => {
    assert.equal(latexToText('\\tan x'), 'tan x');
    assert.equal(latexToText('\\max(1,2)'), 'max(1,2)');
    assert.equal(latexToText('\\hat{x}'), 'x\u0302');
    assert.equal(answersEquivalent('\\sin x', '\\sin  x'), true);
    assert.equal(answersEquivalent('\\tan\\theta', '\\tan \\theta'), true);
  });
  test('macro names are never looked up on Object.prototype', () => {
    assert.equal(latexToText('\\constructor'), '\\constructor');
    assert.equal(latexToText('\\toString{x}'), '\\toStringx');
    assert.equal(answersEquivalent('\\constructor', '\\hasOwnProperty'), false);
  });
  test('reflexive on anything', () => {
    for (const s of ['', 'None', '\\frac{', '(((', 'x'])
      assert.equal(answersEquivalent(s, s), true);
  });
});

describe('normalizeAnswer', () => {
  test('canonical forms', () => {
    assert.equal(normalizeAnswer(' \\dfrac{1}{2} '), '1/2');
    assert.equal(normalizeAnswer('2,125'), '2125');
    assert.equal(normalizeAnswer('5.0'), '5');
    assert.equal(normalizeAnswer('\\text{Evelyn}.'), 'evelyn');
    assert.equal(normalizeAnswer('$-3/4$'), '-3/4');
    assert.equal(normalizeAnswer('45^\\circ'), '45');
  });
});

describe('mathruler ports', () => {
  test('math_normalize quirks are kept', () => {
    assert.equal(mathdNormalize('0.5'), '\\frac{1}{2}');
    assert.equal(mathdNormalize('1/2'), '\\frac{1}{2}');
    assert.equal(mathdNormalize('\\sqrt2'), '\\sqrt{2}');
    assert.equal(mathdNormalize('k = 7'), '7');
    // _fix_sqrt on a trailing \sqrt raises; normalize_answer then returns the stripped input.
    assert.equal(mathdNormalize(' 2\\sqrt '), '2\\sqrt');
  });

  test('grade_answer is directional like the original, answersEquivalent is symmetric', () => {
    assert.equal(gradeAnswer('', '0'), false);
    assert.equal(answersEquivalent('0', ''), false);
  });

  test('latexToText follows pylatexenc 2.10 (frac without parentheses)', () => {
    assert.equal(latexToText('\\frac{1}{x+1}'), '1/x+1');
    assert.equal(latexToText('\\sqrt[3]{8}'), '√(8)');
    assert.equal(latexToText('\\text{cm}'), 'cm');
  });

  test('numericEqual follows sympy Integer/Float typing', () => {
    assert.equal(numericEqual('1/2', '0.5'), true);
    assert.equal(numericEqual('2^-1', '0.5'), true);
    assert.equal(numericEqual('(1+2)*3', '9'), true);
    assert.equal(numericEqual('2^10', '1024'), false, 'multi-digit exponents are refused');
    assert.equal(numericEqual('1/0', '1/0'), false);
    assert.equal(numericEqual('x', 'x'), false);
  });
});
