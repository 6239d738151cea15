/* Chapter 4: the sigmoid of a difference is the softmax of a pair. */
(function (SE) {
  "use strict";
  var ui = SE.ui;
  SE.register("sigmoid", function (root, S) {
    var z0 = ui.slider(S.z0, { min: -6, max: 6, step: 0.1, value: 0 });
    var z1 = ui.slider(S.z1, { min: -6, max: 6, step: 0.1, value: 1.5 });
    var shift = ui.button(S.shift);
    var plot = ui.el("div", { class: "sx-chart" });
    var a = ui.el("p", { class: "sx-readout" }), b = ui.el("p", { class: "sx-readout" });
    var live = ui.liveRegion();
    root.replaceChildren(
      ui.el("p", { class: "sx-title", text: S.title }),
      ui.el("p", { class: "sx-intro", text: S.intro }),
      ui.el("div", { class: "sx-controls" }, [z0.row, z1.row, shift]),
      plot, a, b, live
    );
    var W = 320, H = 150, pad = 28, lo = -12, hi = 12;
    function px(x) { return pad + (x - lo) / (hi - lo) * (W - 2 * pad); }
    function py(y) { return H - pad + -y * (H - 2 * pad); }

    function draw(diff, p) {
      var s = ui.svg("svg", { viewBox: "0 0 " + W + " " + H, class: "sx-plot", role: "img", "aria-label": S.ariaPlot });
      var d = "";
      for (var x = lo; x <= hi + 1e-9; x += 0.25) d += (d ? "L" : "M") + px(x).toFixed(1) + " " + py(1 / (1 + Math.exp(-x))).toFixed(1);
      s.appendChild(ui.svg("line", { x1: pad, y1: py(0), x2: W - pad, y2: py(0), class: "sx-axis" }));
      s.appendChild(ui.svg("line", { x1: px(0), y1: py(0), x2: px(0), y2: py(1), class: "sx-axis" }));
      s.appendChild(ui.svg("path", { d: d, class: "sx-curve" }));
      var cx = px(Math.max(lo, Math.min(hi, diff)));
      s.appendChild(ui.svg("circle", { cx: cx, cy: py(p), r: 5, class: "sx-point" }));
      [[lo, "−12"], [0, "0"], [hi, "12"]].forEach(function (tick) {
        var t = ui.svg("text", { x: px(tick[0]), y: H - 8, "text-anchor": "middle", class: "sx-label" });
        t.textContent = tick[1];
        s.appendChild(t);
      });
      var label = ui.svg("text", { x: W - pad, y: H - 8, "text-anchor": "end", class: "sx-label" });
      label.textContent = S.axis;
      s.appendChild(label);
      [[0, "0"], [1, "1"]].forEach(function (tick) {
        var t = ui.svg("text", { x: pad - 6, y: py(tick[0]) + 4, "text-anchor": "end", class: "sx-label" });
        t.textContent = tick[1];
        s.appendChild(t);
      });
      plot.replaceChildren(s);
    }

    function update() {
      var z = [Number(z0.input.value), Number(z1.input.value)];
      z0.output.textContent = ui.fixed(z[0], 1);
      z1.output.textContent = ui.fixed(z[1], 1);
      var probs = SE.softmax(z), diff = z[1] - z[0], sig = 1 / (1 + Math.exp(-diff));
      draw(diff, probs[1]);
      a.textContent = ui.format(S.softmax, { value: ui.fixed(probs[1], 4) });
      b.textContent = ui.format(S.sigmoid, { value: ui.fixed(sig, 4) });
      live.textContent = ui.format(S.live, { diff: ui.fixed(diff, 1), p: ui.fixed(probs[1], 4), s: ui.fixed(sig, 4) });
      ui.setState(root, { logits: z, temperature: 1, probs: probs, difference: diff, sigmoid: sig });
    }
    [z0, z1].forEach(function (s) { s.input.addEventListener("input", update); });
    shift.addEventListener("click", function () {
      // Both move by 1 while they stay inside the sliders' range; the difference is kept.
      var room = Math.min(6 - Number(z0.input.value), 6 - Number(z1.input.value));
      var by = room >= 1 ? 1 : -1;
      z0.input.value = (Number(z0.input.value) + by).toFixed(1);
      z1.input.value = (Number(z1.input.value) + by).toFixed(1);
      update();
    });
    update();
  });
})(window.SoftmaxExplorables);
