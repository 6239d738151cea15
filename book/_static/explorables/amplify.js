/* Chapter 1: softmax against plain normalisation, and why the scale matters. */
(function (SE) {
  "use strict";
  var ui = SE.ui;
  SE.register("amplify", function (root, S) {
    var names = ["a", "b", "c"];
    var base = [5, 7, 10]; // the book's worked example
    var scale = 1;
    var sliders = names.map(function (n, i) {
      return ui.slider(ui.format(S.score, { name: n }), { min: -2, max: 12, step: 0.1, value: base[i] });
    });
    var scaleSlider = ui.slider(S.scale, { min: 0.1, max: 3, step: 0.05, value: 1 });
    var preset = ui.button(S.preset);
    var chart = ui.el("div", { class: "sx-chart" });
    var ratio = ui.el("p", { class: "sx-readout" });
    var note = ui.el("p", { class: "sx-readout" });
    var live = ui.liveRegion();
    root.replaceChildren(
      ui.el("p", { class: "sx-title", text: S.title }),
      ui.el("p", { class: "sx-intro", text: S.intro }),
      ui.el("div", { class: "sx-controls" }, sliders.map(function (s) { return s.row; }).concat([scaleSlider.row, preset])),
      chart, ratio, note, live
    );

    function update() {
      base = sliders.map(function (s) { return Number(s.input.value); });
      scale = Number(scaleSlider.input.value);
      var z = base.map(function (v) { return v * scale; });
      sliders.forEach(function (s, i) { s.output.textContent = ui.fixed(z[i], 2); });
      scaleSlider.output.textContent = "× " + ui.fixed(scale, 2);
      var p = SE.softmax(z), q = SE.plainNormalise(z);
      var rows = [];
      names.forEach(function (n, i) {
        rows.push({ label: n + " " + S.softmax, value: p[i], text: ui.fixed(p[i], 3), cls: "sx-c0" });
        rows.push({ label: n + " " + S.plain, value: q ? q[i] : null, text: q ? ui.fixed(q[i], 3) : "—", cls: "sx-c1" });
      });
      ui.bars(chart, rows, { labelWidth: 84, ariaLabel: S.ariaBars });
      var order = SE.orderDescending(z), i = order[0], j = order[1];
      var r = Math.exp(z[i] - z[j]);
      ratio.textContent = ui.format(S.ratio, { i: names[i], j: names[j], value: ui.fixed(r, 3) });
      note.textContent = q ? "" : S.plainUndefined;
      live.textContent = q
        ? ui.format(S.live, { top: ui.fixed(p[i], 3), plain: ui.fixed(q[i], 3) })
        : ui.format(S.livePlainUndefined, { top: ui.fixed(p[i], 3) });
      ui.setState(root, { logits: z, temperature: 1, scale: scale, probs: p, plain: q, ratio: { i: i, j: j, value: r } });
    }

    sliders.concat([scaleSlider]).forEach(function (s) { s.input.addEventListener("input", update); });
    preset.addEventListener("click", function () {
      [0.5, 0.7, 1.0].forEach(function (v, i) { sliders[i].input.value = v; });
      scaleSlider.input.value = 1;
      update();
    });
    update();
  });
})(window.SoftmaxExplorables);
