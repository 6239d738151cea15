/* The Softmax book's explorables: shared arithmetic and page plumbing.
 *
 * A classic script, not an ES module: Chromium refuses module scripts on
 * pages opened from file://, and the book must work offline from a folder.
 * The same file is require()d by the unit tests under node (tests/js/).
 *
 * Arithmetic follows softmax_lib's definitions so that the browser test can
 * compare what a page shows with the library, number for number:
 * softmax shifts by the maximum, and a fully masked row (every entry -inf)
 * gives zeros, the book's policy (chapter 2).
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.SoftmaxExplorables = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // ---- arithmetic ------------------------------------------------------

  function max(z) {
    var m = -Infinity;
    for (var i = 0; i < z.length; i++) if (z[i] > m) m = z[i];
    return m;
  }

  /** softmax(z) in float64, shifted by the maximum; an all -inf row gives zeros. */
  function softmax(z) {
    var m = max(z);
    if (m === -Infinity) return z.map(function () { return 0; });
    var e = z.map(function (v) { return Math.exp(v - m); });
    var s = e.reduce(function (a, b) { return a + b; }, 0);
    return e.map(function (v) { return v / s; });
  }

  /** z / sum(z), defined only when every score is positive. */
  function plainNormalise(z) {
    for (var i = 0; i < z.length; i++) if (!(z[i] > 0)) return null;
    var s = z.reduce(function (a, b) { return a + b; }, 0);
    return z.map(function (v) { return v / s; });
  }

  /** Shannon entropy in nats, with 0 log 0 = 0 (as sl.entropy). */
  function entropy(p) {
    var h = 0;
    for (var i = 0; i < p.length; i++) if (p[i] > 0) h -= p[i] * Math.log(p[i]);
    return h;
  }

  function roundHalfEven(q) {
    var f = Math.floor(q), d = q - f;
    if (d > 0.5) return f + 1;
    if (d < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  }

  /** Round a double to the nearest float16 (ties to even), as numpy's astype(float16). */
  function f16round(x) {
    if (typeof Math.f16round === "function") return Math.f16round(x);
    if (!isFinite(x) || x === 0) return x;
    var a = Math.abs(x), sign = x < 0 ? -1 : 1;
    var e = Math.floor(Math.log2(a));
    if (Math.pow(2, e) > a) e -= 1; // log2 can round up just below a power of two
    if (Math.pow(2, e + 1) <= a) e += 1;
    var spacing = e < -14 ? Math.pow(2, -24) : Math.pow(2, e - 10);
    var r = roundHalfEven(a / spacing) * spacing;
    return r > 65504 ? sign * Infinity : sign * r;
  }

  var DTYPES = {
    float16: { round: f16round, max: 65504, halfUlpAboveMax: 65520, bits: 16 },
    float32: { round: Math.fround, max: 3.4028234663852886e38, halfUlpAboveMax: Math.pow(2, 128) - Math.pow(2, 103), bits: 32 },
    float64: { round: function (x) { return x; }, max: Number.MAX_VALUE, halfUlpAboveMax: Infinity, bits: 64 },
  };

  function dtypeInfo(name) {
    var info = DTYPES[name];
    if (!info) throw new Error("dtype must be one of " + Object.keys(DTYPES).join(", ") + "; got " + name);
    return info;
  }

  /** The largest x whose exp(x) is finite in the dtype: exp overflows above it.
   * In float16 and float32 exp(x) is rounded to the dtype, so the edge is where
   * exp(x) reaches max + half an ulp; float64's is log(DBL_MAX). */
  function overflowThreshold(name) {
    var info = dtypeInfo(name);
    return name === "float64" ? Math.log(info.max) : Math.log(info.halfUlpAboveMax);
  }

  /** Softmax in a dtype, every operation rounded to it, by the textbook
   * formula (shift = false) or the max-shifted one (shift = true). */
  function softmaxIn(z, name, shift) {
    var R = dtypeInfo(name).round;
    var x = z.map(R);
    var m = shift ? max(x) : 0;
    if (m === -Infinity) m = 0;
    var e = x.map(function (v) { return R(Math.exp(R(v - m))); });
    var s = 0;
    for (var i = 0; i < e.length; i++) s = R(s + e[i]);
    return { exps: e, sum: s, probs: e.map(function (v) { return R(v / s); }) };
  }

  /** A small seeded generator (mulberry32): the same seed, the same samples. */
  function rng(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Indices sorted by decreasing value; ties keep index order (a stable sort, as numpy's). */
  function orderDescending(v) {
    return v.map(function (_, i) { return i; }).sort(function (i, j) {
      return v[j] - v[i] || i - j;
    });
  }

  function renormalise(p, keep) {
    var s = 0;
    for (var i = 0; i < p.length; i++) if (keep[i]) s += p[i];
    return p.map(function (v, i) { return keep[i] ? v / s : 0; });
  }

  /** The distribution a sampler draws from, as sl.sample builds it: temperature,
   * then top-k, then top-p (keep an entry while the mass before it is < p),
   * then min-p (keep p_i >= min_p * max p), renormalised after each. */
  function decodingDistribution(z, opts) {
    var T = opts.temperature, n = z.length;
    var keep = z.map(function () { return true; });
    var k = opts.topK;
    if (k && k < n) {
      var byScore = orderDescending(z);
      for (var r = k; r < n; r++) keep[byScore[r]] = false;
    }
    var p = renormalise(softmax(z.map(function (v) { return v / T; })), keep);
    if (opts.topP !== null && opts.topP !== undefined && opts.topP < 1) {
      var order = orderDescending(p), before = 0;
      for (var q = 0; q < n; q++) {
        var i = order[q];
        if (!(before < opts.topP)) keep[i] = false;
        before += p[i];
      }
      p = renormalise(p, keep);
    }
    if (opts.minP) {
      var top = max(p);
      for (var j = 0; j < n; j++) if (p[j] < opts.minP * top) keep[j] = false;
      p = renormalise(p, keep);
    }
    return { probs: p, kept: keep };
  }

  /** One draw from p with a uniform number u in [0, 1). */
  function drawIndex(p, u) {
    var c = 0, last = 0;
    for (var i = 0; i < p.length; i++) {
      if (p[i] > 0) last = i;
      c += p[i];
      if (u < c) return i;
    }
    return last;
  }

  /** The online normaliser's state (m, d) of a chunk, and the merge of two. */
  function chunkState(x) {
    var m = max(x);
    if (m === -Infinity) return { m: -Infinity, d: 0 };
    var d = 0;
    for (var i = 0; i < x.length; i++) d += Math.exp(x[i] - m);
    return { m: m, d: d };
  }

  function mergeStates(a, b) {
    var m = Math.max(a.m, b.m);
    if (m === -Infinity) return { m: -Infinity, d: 0 };
    return { m: m, d: a.d * Math.exp(a.m - m) + b.d * Math.exp(b.m - m) };
  }

  // ---- page plumbing ---------------------------------------------------

  var registry = {};

  /** Strings: one table per explorable (strings.js); a translation loaded
   * after it may replace any of them. */
  function strings(name) {
    var all = (typeof window !== "undefined" && window.SoftmaxExplorableStrings) || {};
    return all[name] || {};
  }

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, key) {
      return key in values ? values[key] : "{" + key + "}";
    });
  }

  function fixed(x, digits) {
    if (x === null || x === undefined) return "—";
    if (x === Infinity) return "∞";
    if (x === -Infinity) return "−∞";
    if (Number.isNaN(x)) return "NaN";
    return x.toFixed(digits).replace(/^-/, "−");
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var key in attrs) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    return node;
  }

  var uid = 0;
  /** A labelled range input; returns { row, input }. */
  function slider(label, opts) {
    var id = "sx-" + (++uid);
    var input = el("input", { type: "range", id: id, min: opts.min, max: opts.max, step: opts.step, value: opts.value });
    var out = el("output", { for: id, class: "sx-value" });
    var row = el("div", { class: "sx-control" }, [el("label", { for: id, text: label }), input, out]);
    return { row: row, input: input, output: out };
  }

  function select(label, options, value) {
    var id = "sx-" + (++uid);
    var input = el("select", { id: id });
    options.forEach(function (o) {
      var opt = el("option", { value: o.value, text: o.label });
      if (String(o.value) === String(value)) opt.selected = true;
      input.appendChild(opt);
    });
    return { row: el("div", { class: "sx-control" }, [el("label", { for: id, text: label }), input]), input: input };
  }

  function checkbox(label, checked) {
    var id = "sx-" + (++uid);
    var input = el("input", { type: "checkbox", id: id });
    input.checked = !!checked;
    return { row: el("div", { class: "sx-control sx-check" }, [input, el("label", { for: id, text: label })]), input: input };
  }

  function button(label) {
    return el("button", { type: "button", class: "sx-button", text: label });
  }

  /** The polite live region that reads the result out to screen readers. */
  function liveRegion() {
    return el("p", { class: "sx-live", "aria-live": "polite", role: "status" });
  }

  /** Horizontal bars for a probability vector, drawn in SVG, with labels. */
  function bars(container, rows, opts) {
    var width = 320, rowH = 22, labelW = opts.labelWidth || 56, valueW = 52;
    var h = rows.length * rowH + 4;
    var s = svg("svg", { viewBox: "0 0 " + width + " " + h, class: "sx-bars", role: "img", "aria-label": opts.ariaLabel || "" });
    var barW = width - labelW - valueW;
    rows.forEach(function (r, i) {
      var y = i * rowH + 2;
      var t = svg("text", { x: labelW - 6, y: y + rowH * 0.68, "text-anchor": "end", class: "sx-label" });
      t.textContent = r.label;
      s.appendChild(t);
      s.appendChild(svg("rect", { x: labelW, y: y + 3, width: barW, height: rowH - 6, class: "sx-track" }));
      var w = r.value === null || !isFinite(r.value) ? 0 : Math.max(0, Math.min(1, r.value)) * barW;
      s.appendChild(svg("rect", { x: labelW, y: y + 3, width: w, height: rowH - 6, class: "sx-bar " + (r.cls || "") }));
      var v = svg("text", { x: width - 2, y: y + rowH * 0.68, "text-anchor": "end", class: "sx-label" });
      v.textContent = r.text;
      s.appendChild(v);
    });
    container.replaceChildren(s);
  }

  function setState(root, state) {
    root.setAttribute("data-state", JSON.stringify(state, function (key, value) {
      // JSON has no infinities: write them as strings the test can read back.
      if (typeof value === "number" && !isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
      return value;
    }));
  }

  function register(name, init) {
    registry[name] = init;
    if (typeof document !== "undefined") start();
  }

  function start() {
    var run = function () {
      var nodes = document.querySelectorAll("[data-explorable]");
      for (var i = 0; i < nodes.length; i++) {
        var node = nodes[i], name = node.getAttribute("data-explorable");
        if (registry[name] && !node.hasAttribute("data-ready")) {
          node.setAttribute("data-ready", "");
          node.classList.add("sx-root");
          registry[name](node, strings(name));
        }
      }
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  }

  return {
    softmax: softmax,
    plainNormalise: plainNormalise,
    entropy: entropy,
    f16round: f16round,
    dtypeInfo: dtypeInfo,
    overflowThreshold: overflowThreshold,
    softmaxIn: softmaxIn,
    rng: rng,
    orderDescending: orderDescending,
    decodingDistribution: decodingDistribution,
    drawIndex: drawIndex,
    chunkState: chunkState,
    mergeStates: mergeStates,
    ui: { el: el, svg: svg, slider: slider, select: select, checkbox: checkbox, button: button,
          liveRegion: liveRegion, bars: bars, setState: setState, format: format, fixed: fixed },
    register: register,
  };
});
