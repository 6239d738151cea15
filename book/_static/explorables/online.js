/* Chapter 7: the online normaliser (m, d), one chunk at a time. */
(function (SE) {
  "use strict";
  var ui = SE.ui;
  // A row whose maximum arrives late, so that the rescaling is seen more than once.
  var ROW = [1.0, 2.5, 0.5, 3.0, -1.0, 4.5, 2.0, 0.0, 6.0, 1.5, 5.5, -2.0];
  SE.register("online", function (root, S) {
    var chunk = ui.select(S.chunk, [1, 2, 3, 4, 6, 12].map(function (v) { return { value: v, label: String(v) }; }), 3);
    var step = ui.button(S.step), reset = ui.button(S.reset);
    var rowView = ui.el("div", { class: "sx-chart" });
    var stateLine = ui.el("p", { class: "sx-readout" }), rescaleLine = ui.el("p", { class: "sx-readout" });
    var history = ui.el("ol", { class: "sx-list" });
    var live = ui.liveRegion();
    root.replaceChildren(
      ui.el("p", { class: "sx-title", text: S.title }),
      ui.el("p", { class: "sx-intro", text: S.intro }),
      ui.el("div", { class: "sx-controls" }, [chunk.row, step, reset]),
      rowView, stateLine, rescaleLine, history, live
    );
    var seen, state, steps;

    function drawRow() {
      // Twelve cells on one line on a wide screen, two lines of six on a phone.
      var perRow = root.clientWidth < 480 ? 6 : 12, cell = perRow === 6 ? 48 : 34, rowH = 34;
      var W = perRow * cell, H = Math.ceil(ROW.length / perRow) * rowH + 4;
      var s = ui.svg("svg", { viewBox: "0 0 " + W + " " + H, class: "sx-row", role: "img", "aria-label": S.ariaRow });
      ROW.forEach(function (v, i) {
        var x = (i % perRow) * cell, y = Math.floor(i / perRow) * rowH + 2;
        s.appendChild(ui.svg("rect", { x: x + 1, y: y + 1, width: cell - 2, height: rowH - 2, class: i < seen ? "sx-cell-read" : "sx-track" }));
        var t = ui.svg("text", { x: x + cell / 2, y: y + rowH / 2 + 5, "text-anchor": "middle", class: "sx-label" });
        t.textContent = ui.fixed(v, 1);
        s.appendChild(t);
      });
      rowView.replaceChildren(s);
    }

    function show(lastStep) {
      drawRow();
      stateLine.textContent = ui.format(S.state, { seen: seen, n: ROW.length, m: ui.fixed(state.m, 2), d: ui.fixed(state.d, 4) });
      if (!lastStep) rescaleLine.textContent = "";
      else if (lastStep.rescaled) rescaleLine.textContent = ui.format(S.rescale, { old: ui.fixed(lastStep.oldM, 2), new: ui.fixed(lastStep.m, 2), factor: ui.fixed(lastStep.factor, 4) });
      else rescaleLine.textContent = S.noRescale;
      var probs = null, diff = null;
      if (seen === ROW.length) {
        probs = ROW.map(function (v) { return Math.exp(v - state.m) / state.d; });
        var ref = SE.softmax(ROW);
        diff = Math.max.apply(null, probs.map(function (p, i) { return Math.abs(p - ref[i]); }));
        rescaleLine.textContent += " " + ui.format(S.done, { diff: diff.toExponential(1) });
      }
      live.textContent = ui.format(S.live, { seen: seen, n: ROW.length, m: ui.fixed(state.m, 2), d: ui.fixed(state.d, 4) });
      step.disabled = seen === ROW.length;
      ui.setState(root, { logits: ROW, temperature: 1, chunk: Number(chunk.input.value), seen: seen, m: state.m, d: state.d, steps: steps, probs: probs, maxDifference: diff });
    }

    function start() {
      seen = 0; state = { m: -Infinity, d: 0 }; steps = [];
      history.replaceChildren();
      show(null);
    }

    step.addEventListener("click", function () {
      if (seen >= ROW.length) return;
      var size = Number(chunk.input.value), part = ROW.slice(seen, seen + size);
      var local = SE.chunkState(part), merged = SE.mergeStates(state, local);
      var rec = {
        start: seen, stop: seen + part.length, chunkM: local.m, chunkD: local.d,
        oldM: state.m, oldD: state.d, m: merged.m, d: merged.d,
        rescaled: state.m !== -Infinity && merged.m > state.m,
        factor: state.m === -Infinity ? 0 : Math.exp(state.m - merged.m),
      };
      steps.push(rec);
      seen += part.length; state = merged;
      history.appendChild(ui.el("li", { text: ui.format(S.state, { seen: seen, n: ROW.length, m: ui.fixed(merged.m, 2), d: ui.fixed(merged.d, 4) }) }));
      show(rec);
    });
    reset.addEventListener("click", start);
    chunk.input.addEventListener("change", start);
    start();
  });
})(window.SoftmaxExplorables);
