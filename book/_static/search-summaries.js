// Search results: summarise the article, not the page's buttons.
//
// Sphinx's search summarises each result with the text of the page's
// [role="main"] element. In sphinx-book-theme that element also holds the
// article header's buttons (".ipynb .pdf"), the "Contents" sidebar and a
// print-only table of contents, so the summaries began "....pdf Temperature
// Contents...". This removes them from the fetched page before Sphinx reads
// its text, and shows math as its TeX: the TeX the build keeps in data-tex
// (book/_ext/static_math.py), or, where MathJax typesets in the browser, the
// page's TeX without the \( \) delimiters. Other pages: nothing to do.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc
      .querySelectorAll(".bd-header-article, .bd-sidebar-secondary, .onlyprint, .prev-next-footer, .bd-footer-article")
      .forEach((element) => element.remove());
    doc.querySelectorAll(".math").forEach((math) => {
      math.textContent = math.dataset.tex !== undefined ? math.dataset.tex.trim()
        : math.textContent.trim().replace(/^\\[(\[]|\\[)\]]$/g, "").trim();
    });
    return htmlToText(doc.documentElement.outerHTML, anchor);
  };
});
