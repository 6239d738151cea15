// Small fixes for readers, found by the browser test and axe-core (tests/browser).
//
// 1. A figure opens at full size: each figure image of a chapter becomes a
//    button (named by its alt text) that shows the image at its natural size
//    in a dialog; Escape, the close button or a click outside closes it.
// 2. The theme's search and colour-mode buttons: their aria-label did not
//    contain their visible text (axe: label-content-name-mismatch, serious).
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
  document.querySelectorAll("button[aria-label]").forEach((button) => {
    const label = button.getAttribute("aria-label");
    const visible = button.innerText.replace(/\s+/g, " ").trim();
    if (visible && !label.toLowerCase().includes(visible.toLowerCase())) {
      button.setAttribute("aria-label", `${visible} (${label})`);
    }
  });
});
