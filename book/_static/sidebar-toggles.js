// Make the sidebar buttons of the article header work.
//
// sphinx-book-theme 1.3 draws its own "Toggle primary sidebar" and "Toggle
// secondary sidebar" buttons; pydata-sphinx-theme 0.17 added hidden buttons
// with the same classes to its top bar, and both themes attach their click
// handlers to the FIRST `.primary-toggle` / `.secondary-toggle` of the page
// only (pydata/pydata-sphinx-theme#2451). So the visible buttons did nothing:
// on a phone the table of contents could not be opened at all. This forwards a
// click on any later button to the first one, which the themes do handle
// (a drawer on narrow screens, collapsing the sidebar on wide ones).
document.addEventListener("DOMContentLoaded", () => {
  for (const selector of [".primary-toggle", ".secondary-toggle"]) {
    const [first, ...others] = document.querySelectorAll(selector);
    if (!first) continue;
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        first.click();
      });
    }
  }
});
