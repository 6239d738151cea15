/* Chapter 2: the textbook formula overflows at the type's threshold; the shifted one does not. */
(function (SE) {
  "use strict";
  var ui = SE.ui;
  SE.register("overflow", function (root, S) {
    var others = [1, 2];
    var dtype = ui.select(S.dtype, [
      { value: "float16", label: "float16" }, { value: "float32", label: "float32" }, { value: "float64", label: "float64" },
    ], "float32");
    // Each type's slider runs a little past its threshold (11.09, 88.72, 709.78).
    var RANGES = { float16: [0, 16, 0.05], float32: [0, 120, 0.1], float64: [0, 900, 0.5] };
    var largest = ui.slider(S.largest, { min: 0, max: 120, step: 0.1, value: 80 });
    var threshold = ui.el("p", { class: "sx-readout" });
    var naiveChart = ui.el("div", { class: "sx-chart" }), shiftedChart = ui.el("div", { class: "sx-chart" });
    var naiveNote = ui.el("p", { class: "sx-readout" }), shiftedNote = ui.el("p", { class: "sx-readout" });
    var live = ui.liveRegion();
    root.replaceChildren(
      ui.el("p", { class: "sx-title", text: S.title }),
      ui.el("p", { class: "sx-intro", text: ui.format(S.intro, { others: others.join(", ") }) }),
      ui.el("div", { class: "sx-controls" }, [dtype.row, largest.row]),
      threshold,
      ui.el("p", { class: "sx-subtitle", text: S.naive }), naiveChart, naiveNote,
      ui.el("p", { class: "sx-subtitle", text: S.shifted }), shiftedChart, shiftedNote,
      live
    );

    function describe(res) {
      return res.probs.map(function (v) { return ui.fixed(v, 3); }).join(", ");
    }

    function update() {
      var name = dtype.input.value, x = Number(largest.input.value);
      var z = others.concat([x]);
      var limit = SE.overflowThreshold(name);
      largest.output.textContent = ui.fixed(x, 2);
      threshold.textContent = ui.format(S.threshold, { value: ui.fixed(limit, 4), dtype: name });
      var naive = SE.softmaxIn(z, name, false), shifted = SE.softmaxIn(z, name, true);
      var naiveOverflows = naive.exps.some(function (v) { return v === Infinity; });
      [[naive, naiveChart], [shifted, shiftedChart]].forEach(function (pair, k) {
        ui.bars(pair[1], pair[0].probs.map(function (v, i) {
          return { label: "z" + (i + 1) + " = " + ui.fixed(SE.dtypeInfo(name).round(z[i]), 1), value: v, text: ui.fixed(v, 3), cls: k ? "sx-c0" : "sx-c1" };
        }), { labelWidth: 96, ariaLabel: S.ariaBars });
      });
      naiveNote.textContent = naiveOverflows ? ui.format(S.overflowed, { value: ui.fixed(x, 2), dtype: name }) : S.fine;
      shiftedNote.textContent = S.fine;
      live.textContent = ui.format(S.live, { dtype: name, value: ui.fixed(x, 2), naive: describe(naive), shifted: describe(shifted) });
      ui.setState(root, {
        dtype: name, logits: z, temperature: 1, threshold: limit,
        naive: { exps: naive.exps, sum: naive.sum, probs: naive.probs, overflows: naiveOverflows },
        probs: shifted.probs,
      });
    }
    dtype.input.addEventListener("change", function () {
      var r = RANGES[dtype.input.value], v = Number(largest.input.value);
      largest.input.min = r[0]; largest.input.max = r[1]; largest.input.step = r[2];
      if (v > r[1]) largest.input.value = r[1] * 0.75;
      update();
    });
    largest.input.addEventListener("input", update);
    update();
  });
})(window.SoftmaxExplorables);
