/* Chapter 3: temperature, then top-k, top-p and min-p over a fixed set of next-token scores. */
(function (SE) {
  "use strict";
  var ui = SE.ui;
  var TOKENS = ["mat", "floor", "sofa", "bed", "roof", "table", "chair", "moon"];
  var LOGITS = [3.2, 2.5, 2.1, 1.6, 1.0, 0.7, 0.2, -1.5];
  var SEED = 42;
  SE.register("decoding", function (root, S) {
    var t = ui.slider(S.temperature, { min: 0.1, max: 3, step: 0.05, value: 1 });
    var k = ui.slider(S.topK, { min: 0, max: TOKENS.length, step: 1, value: 0 });
    var p = ui.slider(S.topP, { min: 0.05, max: 1, step: 0.05, value: 1 });
    var mp = ui.slider(S.minP, { min: 0, max: 0.5, step: 0.01, value: 0 });
    var sampleButton = ui.button(S.sample);
    var chart = ui.el("div", { class: "sx-chart" });
    var summary = ui.el("p", { class: "sx-readout" });
    var sampled = ui.el("p", { class: "sx-readout" });
    var live = ui.liveRegion();
    root.replaceChildren(
      ui.el("p", { class: "sx-title", text: S.title }),
      ui.el("p", { class: "sx-intro", text: S.intro }),
      ui.el("div", { class: "sx-controls" }, [t.row, k.row, p.row, mp.row]),
      chart, summary, ui.el("div", { class: "sx-controls" }, [sampleButton]), sampled, live
    );
    var draw = SE.rng(SEED), draws = [];

    function settings() {
      var topK = Number(k.input.value), topP = Number(p.input.value), minP = Number(mp.input.value);
      return { temperature: Number(t.input.value), topK: topK || null, topP: topP < 1 ? topP : null, minP: minP || null };
    }

    function update() {
      var o = settings();
      t.output.textContent = ui.fixed(o.temperature, 2);
      k.output.textContent = o.topK ? String(o.topK) : "off";
      p.output.textContent = o.topP ? ui.fixed(o.topP, 2) : "off";
      mp.output.textContent = o.minP ? ui.fixed(o.minP, 2) : "off";
      var plain = SE.softmax(LOGITS.map(function (v) { return v / o.temperature; }));
      var res = SE.decodingDistribution(LOGITS, o);
      var nKept = res.kept.filter(Boolean).length, h = SE.entropy(res.probs);
      ui.bars(chart, TOKENS.map(function (tok, i) {
        return { label: tok, value: res.probs[i], text: res.kept[i] ? ui.fixed(res.probs[i], 3) : "×", cls: res.kept[i] ? "sx-c0" : "sx-off" };
      }), { labelWidth: 56, ariaLabel: S.ariaBars });
      summary.textContent = ui.format(S.entropy, { value: ui.fixed(h, 3), kept: nKept, n: TOKENS.length });
      var top = SE.orderDescending(res.probs)[0];
      live.textContent = ui.format(S.live, { t: ui.fixed(o.temperature, 2), token: TOKENS[top], p: ui.fixed(res.probs[top], 3), kept: nKept, h: ui.fixed(h, 3) });
      ui.setState(root, {
        tokens: TOKENS, logits: LOGITS, temperature: o.temperature, topK: o.topK, topP: o.topP, minP: o.minP,
        softmax: plain, probs: res.probs, kept: res.kept, entropy: h, seed: SEED, draws: draws,
      });
      return res;
    }

    [t, k, p, mp].forEach(function (s) { s.input.addEventListener("input", update); });
    sampleButton.addEventListener("click", function () {
      var res = update();
      var i = SE.drawIndex(res.probs, draw());
      draws.push(i);
      sampled.textContent = ui.format(S.sampled, { token: TOKENS[i] }) + " (" + ui.format(S.reseed, { seed: SEED }) + ")";
      update();
    });
    update();
  });
})(window.SoftmaxExplorables);
