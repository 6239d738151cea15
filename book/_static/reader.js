// Small fixes for readers, found by the browser test and axe-core (tests/browser).
//
// 1. A figure opens at full size: each figure image of a chapter becomes a
//    button (named by its alt text) that shows the image at its natural size
//    in a dialog; Escape, the close button or a click outside closes it.
// 2. The theme's search and colour-mode buttons: their aria-label did not
//    contain their visible text (axe: label-content-name-mismatch, serious).
// 3. Scrollable blocks get their tab stop in one pass (see the end).
document.addEventListener("DOMContentLoaded", () => {
  // The Chinese edition's pages are lang="zh-CN".
  const zh = document.documentElement.lang.startsWith("zh");
  const T = zh
    ? { dialog: "原尺寸图", close: "关闭", open: "查看原尺寸" }
    : { dialog: "Figure at full size", close: "Close", open: "Show at full size" };
  // myst-nb's "Show code cell output" toggles carry aria-label="Toggle hidden
  // content", which hides their visible text from screen readers (axe:
  // label-content-name-mismatch). The visible text is the better name.
  document.querySelectorAll('summary[aria-label="Toggle hidden content"]').forEach((s) => s.removeAttribute("aria-label"));
  const images = document.querySelectorAll(
    "article .cell_output img, article figure img, article img.figure-image"
  );
  let dialog = null;
  const openDialog = (img) => {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "figure-zoom";
      dialog.setAttribute("aria-label", T.dialog);
      dialog.innerHTML =
        `<button type="button" class="figure-zoom-close">${T.close}</button><div class="figure-zoom-body"></div>`;
      dialog.querySelector(".figure-zoom-close").addEventListener("click", () => dialog.close());
      dialog.addEventListener("click", (event) => {
        if (event.target === dialog) dialog.close();
      });
      document.body.appendChild(dialog);
    }
    const big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt;
    const body = dialog.querySelector(".figure-zoom-body");
    body.replaceChildren(big);
    dialog.showModal();
  };
  images.forEach((img) => {
    if (img.closest("a, button")) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "figure-zoom-open";
    button.title = T.open;
    img.parentNode.insertBefore(button, img);
    button.appendChild(img);
    button.addEventListener("click", () => openDialog(img));
  });

  // The search field shows "Search" and the Ctrl+K shortcut; its aria-label was
  // "Search" only. The colour-mode button names its current mode in its tooltip.
  document.querySelectorAll("button.search-button-field[aria-label]").forEach((button) => {
    const visible = button.textContent.replace(/\s+/g, " ").trim();
    if (visible) button.setAttribute("aria-label", visible);
  });
  // innerText needs a layout: read every button's text first, then write, so
  // that the page is laid out once, not once per button.
  const labelled = [...document.querySelectorAll("button[aria-label]")].map((button) => [
    button,
    button.getAttribute("aria-label"),
    button.innerText.replace(/\s+/g, " ").trim(),
  ]);
  labelled.forEach(([button, label, visible]) => {
    if (visible && !label.toLowerCase().includes(visible.toLowerCase())) {
      button.setAttribute("aria-label", `${visible} (${label})`);
    }
  });

  // The theme (pydata-sphinx-theme 0.17, on "load") gives every code block and
  // output that scrolls sideways a tab stop and the others tabIndex -1. It
  // reads one block's size and then writes its tabIndex, block after block, so
  // the page is laid out again for each of chapter 4's 118 blocks: about 0.7 s
  // on a slow phone (tests/browser/test_reader.py). The same decision taken
  // here with every read before any write costs one layout; the theme's pass
  // then finds the page laid out and writes the values it already has.
  const scrollable = [...document.querySelectorAll(
    "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, .pst-scrollable-table-container"
  )];
  scrollable
    .map((el) => (el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight ? 0 : -1))
    .forEach((tabIndex, i) => { scrollable[i].tabIndex = tabIndex; });
});
