// Unit tests of the explorables' arithmetic (book/_static/explorables/core.js),
// run by node's built-in test runner: `node --test tests/js/`.
// The browser test (tests/browser/test_explorables.py) compares the pages with
// softmax_lib itself; these pin the JavaScript on its own, without a browser.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const SE = require(path.join(__dirname, "../../book/_static/explorables/core.js"));

const close = (a, b, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("softmax of the worked example [5, 7, 10]", () => {
  const p = SE.softmax([5, 7, 10]);
  assert.deepEqual(p.map((v) => Number(v.toFixed(3))), [0.006, 0.047, 0.946]);
  close(p.reduce((a, b) => a + b), 1, 1e-15);
});

test("softmax ignores an added constant but not a multiplied one", () => {
  const a = SE.softmax([0.5, 0.7, 1.0]), b = SE.softmax([100.5, 100.7, 101.0]);
  a.forEach((v, i) => close(v, b[i], 1e-15));
  const plain = SE.plainNormalise([0.5, 0.7, 1.0]);
  assert.ok(a[2] < plain[2], "at small scale softmax gives the top score less than plain normalisation");
  const big = SE.softmax([5, 7, 10]), bigPlain = SE.plainNormalise([5, 7, 10]);
  assert.ok(big[2] > bigPlain[2]);
});

test("a fully masked row gives zeros, the book's policy", () => {
  assert.deepEqual(SE.softmax([-Infinity, -Infinity]), [0, 0]);
});

test("plain normalisation is undefined unless every score is positive", () => {
  assert.equal(SE.plainNormalise([1, 0, 2]), null);
  assert.equal(SE.plainNormalise([1, -1, 2]), null);
});

test("float16 rounding: known values, ties to even, overflow and subnormals", () => {
  assert.equal(SE.f16round(65504), 65504);
  assert.equal(SE.f16round(65519.99), 65504);
  assert.equal(SE.f16round(65520), Infinity);
  assert.equal(SE.f16round(1 / 3), 0.333251953125);
  assert.equal(SE.f16round(1 + 2 ** -11), 1); // a tie: to the even neighbour 1
  assert.equal(SE.f16round(1 + 3 * 2 ** -11), 1 + 2 ** -9);
  assert.equal(SE.f16round(2 ** -24), 2 ** -24); // the smallest subnormal
  assert.equal(SE.f16round(2 ** -25), 0); // a tie between 0 and 2^-24: to 0
  assert.equal(SE.f16round(-1.5), -1.5);
});

test("overflow thresholds are where exp leaves the type", () => {
  const t16 = SE.overflowThreshold("float16"), t32 = SE.overflowThreshold("float32"), t64 = SE.overflowThreshold("float64");
  close(t16, Math.log(65520));
  assert.ok(SE.f16round(Math.exp(t16 - 1e-9)) < Infinity && SE.f16round(Math.exp(t16 + 1e-6)) === Infinity);
  assert.ok(Math.fround(Math.exp(t32 - 1e-6)) < Infinity && Math.fround(Math.exp(t32 + 1e-6)) === Infinity);
  assert.ok(Math.exp(t64) < Infinity && Math.exp(t64 + 1e-9) === Infinity);
  assert.throws(() => SE.overflowThreshold("float8"), /dtype must be one of/);
});

test("the textbook formula overflows past the threshold, the shifted one does not", () => {
  const naive = SE.softmaxIn([1, 2, 89], "float32", false);
  assert.ok(naive.probs.some(Number.isNaN) || naive.probs.every((v) => v === 0));
  const shifted = SE.softmaxIn([1, 2, 89], "float32", true);
  assert.ok(shifted.probs.every(Number.isFinite));
  close(shifted.probs[2], 1, 1e-6);
  const fine = SE.softmaxIn([1, 2, 88], "float32", false);
  assert.ok(fine.probs.every(Number.isFinite));
});

test("decoding filters: top-k, top-p (mass before < p), min-p, renormalised", () => {
  const z = [3, 2, 1, 0];
  const all = SE.decodingDistribution(z, { temperature: 1, topK: null, topP: null, minP: null });
  SE.softmax(z).forEach((v, i) => close(all.probs[i], v));
  const k2 = SE.decodingDistribution(z, { temperature: 1, topK: 2, topP: null, minP: null });
  assert.deepEqual(k2.kept, [true, true, false, false]);
  close(k2.probs[0] + k2.probs[1], 1);
  const p = SE.softmax(z);
  const nucleus = SE.decodingDistribution(z, { temperature: 1, topK: null, topP: p[0] + 1e-9, minP: null });
  assert.deepEqual(nucleus.kept, [true, true, false, false]);
  const minp = SE.decodingDistribution(z, { temperature: 1, topK: null, topP: null, minP: 0.3 });
  assert.deepEqual(minp.kept, p.map((v) => v >= 0.3 * p[0]));
  const hot = SE.decodingDistribution(z, { temperature: 100, topK: null, topP: null, minP: null });
  hot.probs.forEach((v) => close(v, 0.25, 0.01));
});

test("ties in top-k keep the lower index, as a stable sort", () => {
  const r = SE.decodingDistribution([1, 1, 1], { temperature: 1, topK: 2, topP: null, minP: null });
  assert.deepEqual(r.kept, [true, true, false]);
});

test("the online merge of chunk states gives the softmax denominator", () => {
  const row = [1, 2.5, 0.5, 3, -1, 4.5, 2, 0, 6, 1.5, 5.5, -2];
  for (const size of [1, 2, 3, 5, 12]) {
    let s = { m: -Infinity, d: 0 };
    for (let i = 0; i < row.length; i += size) s = SE.mergeStates(s, SE.chunkState(row.slice(i, i + size)));
    const p = row.map((v) => Math.exp(v - s.m) / s.d), ref = SE.softmax(row);
    p.forEach((v, i) => close(v, ref[i], 1e-15));
  }
  assert.deepEqual(SE.mergeStates({ m: -Infinity, d: 0 }, { m: -Infinity, d: 0 }), { m: -Infinity, d: 0 });
});

test("the seeded generator repeats and draws follow the distribution", () => {
  const a = SE.rng(42), b = SE.rng(42);
  for (let i = 0; i < 5; i++) assert.equal(a(), b());
  const p = [0.5, 0.3, 0.2], counts = [0, 0, 0], draw = SE.rng(1), n = 20000;
  for (let i = 0; i < n; i++) counts[SE.drawIndex(p, draw())]++;
  counts.forEach((c, i) => assert.ok(Math.abs(c / n - p[i]) < 5 * Math.sqrt(p[i] * (1 - p[i]) / n)));
  assert.equal(SE.drawIndex([0, 1, 0], 0.999999), 1);
});

test("strings: every explorable has a title and intro", () => {
  const S = require(path.join(__dirname, "../../book/_static/explorables/strings.js"));
  for (const name of ["amplify", "overflow", "decoding", "sigmoid", "attention", "online"]) {
    assert.ok(S[name] && S[name].title && S[name].intro, name);
  }
});

test("strings.zh.js: every English string has a Chinese one with the same {fields}", () => {
  const EN = require(path.join(__dirname, "../../book/_static/explorables/strings.js"));
  const ZH = require(path.join(__dirname, "../../book/_static/explorables/strings.zh.js"));
  const fields = (s) => (s.match(/\{[a-z]+\}/gi) || []).sort();
  assert.deepEqual(Object.keys(ZH).sort(), Object.keys(EN).sort());
  for (const name of Object.keys(EN)) {
    assert.deepEqual(Object.keys(ZH[name]).sort(), Object.keys(EN[name]).sort(), name);
    for (const key of Object.keys(EN[name])) {
      assert.deepEqual(fields(ZH[name][key]), fields(EN[name][key]), `${name}.${key}`);
    }
  }
});
