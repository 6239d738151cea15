/* Chapter 6: scaled scores, causal and padding masks, and the fully masked row. */
(function (SE) {
  "use strict";
  var ui = SE.ui;
  var N = 5, D_MAX = 256, SEED = 6;

  // Queries and keys with independent standard-normal entries (Box-Muller on
  // the seeded generator): a head of width d uses the first d coordinates, so
  // its scores q.k have variance d.
  function gaussianMatrix(rows, cols, next) {
    var out = [];
    for (var i = 0; i < rows; i++) {
      var row = [];
      for (var j = 0; j < cols; j++) {
        var u = 1 - next(), v = next();
        row.push(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
      }
      out.push(row);
    }
    return out;
  }

  SE.register("attention", function (root, S) {
    var next = SE.rng(SEED);
    var Q = gaussianMatrix(N, D_MAX, next), K = gaussianMatrix(N, D_MAX, next);
    var d = ui.select(S.d, [1, 4, 16, 64, 256].map(function (v) { return { value: v, label: String(v) }; }), 64);
    var scale = ui.checkbox(S.scale, true), causal = ui.checkbox(S.causal, false);
    var padding = ui.checkbox(S.padding, false), block = ui.checkbox(S.blockRow, false);
    var heat = ui.el("div", { class: "sx-chart" });
    var rows = ui.el("ul", { class: "sx-list" });
    var live = ui.liveRegion();
    root.replaceChildren(
      ui.el("p", { class: "sx-title", text: S.title }),
      ui.el("p", { class: "sx-intro", text: S.intro }),
      ui.el("div", { class: "sx-controls" }, [d.row, scale.row, causal.row, padding.row, block.row]),
      ui.el("p", { class: "sx-subtitle", text: S.weights }), heat, rows, live
    );

    function draw(weights, keep) {
      var cell = 52, lab = 30, W = lab + N * cell, H = lab + N * cell;
      var s = ui.svg("svg", { viewBox: "0 0 " + W + " " + H, class: "sx-heat", role: "img", "aria-label": S.ariaHeat });
      for (var j = 0; j < N; j++) {
        var t = ui.svg("text", { x: lab + j * cell + cell / 2, y: lab - 10, "text-anchor": "middle", class: "sx-label" });
        t.textContent = ui.format(S.key, { j: j });
        s.appendChild(t);
      }
      for (var i = 0; i < N; i++) {
        var r = ui.svg("text", { x: lab - 6, y: lab + i * cell + cell / 2 + 5, "text-anchor": "end", class: "sx-label" });
        r.textContent = ui.format(S.query, { i: i });
        s.appendChild(r);
        for (var c = 0; c < N; c++) {
          var x = lab + c * cell, y = lab + i * cell;
          s.appendChild(ui.svg("rect", { x: x + 1, y: y + 1, width: cell - 2, height: cell - 2, class: keep[i][c] ? "sx-track" : "sx-masked" }));
          if (keep[i][c]) s.appendChild(ui.svg("rect", { x: x + 1, y: y + 1, width: cell - 2, height: cell - 2, class: "sx-cell", "fill-opacity": weights[i][c].toFixed(3) }));
          var v = ui.svg("text", { x: x + cell / 2, y: y + cell / 2 + 5, "text-anchor": "middle", class: "sx-label" + (weights[i][c] > 0.55 ? " sx-on-dark" : "") });
          v.textContent = keep[i][c] ? weights[i][c].toFixed(2) : "−∞";
          s.appendChild(v);
        }
      }
      heat.replaceChildren(s);
    }

    function update() {
      var width = Number(d.input.value), factor = scale.input.checked ? 1 / Math.sqrt(width) : 1;
      var scores = [], keep = [], logits = [], weights = [];
      for (var i = 0; i < N; i++) {
        scores.push([]); keep.push([]);
        for (var j = 0; j < N; j++) {
          var dot = 0;
          for (var c = 0; c < width; c++) dot += Q[i][c] * K[j][c];
          scores[i].push(dot * factor);
          keep[i].push(!(causal.input.checked && j > i) && !(padding.input.checked && j === N - 1) && !(block.input.checked && i === 0));
        }
        logits.push(scores[i].map(function (v, j) { return keep[i][j] ? v : -Infinity; }));
        weights.push(SE.softmax(logits[i]));
      }
      draw(weights, keep);
      var items = weights.map(function (w, i) {
        var m = Math.max.apply(null, w);
        var masked = keep[i].every(function (k) { return !k; });
        return ui.el("li", { text: masked ? ui.format(S.maskedRow, { row: i }) : ui.format(S.rowSummary, { row: i, w: ui.fixed(m, 3) }) });
      });
      rows.replaceChildren.apply(rows, items);
      var anyMasked = keep.some(function (r) { return r.every(function (k) { return !k; }); });
      live.textContent = ui.format(S.live, { w: ui.fixed(Math.max.apply(null, weights[N - 1]), 3), masked: anyMasked ? S.someMasked : S.noMasked });
      ui.setState(root, {
        d: width, scale: factor, causal: causal.input.checked, padding: padding.input.checked, blockRow: block.input.checked,
        q: Q.map(function (r) { return r.slice(0, width); }), k: K.map(function (r) { return r.slice(0, width); }),
        keep: keep, logits: logits, temperature: 1, probs: weights,
      });
    }
    d.input.addEventListener("change", update);
    [scale, causal, padding, block].forEach(function (c) { c.input.addEventListener("change", update); });
    update();
  });
})(window.SoftmaxExplorables);
