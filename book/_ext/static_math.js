// Typesets the book's TeX into MathJax's CHTML output when the site is built
// (book/_ext/static_math.py runs this with node), so that a reader's browser
// only lays out HTML and CSS: no MathJax script, no typesetting on the phone.
//
// Usage: node static_math.js MATHJAX_FULL_DIR < request.json > result.json
//   request: {"fontURL": "...", "items": [{"tex": "...", "display": true}, ...]}
//   result:  {"html": ["<mjx-container ...>", ...], "css": "..."}
// The CSS covers exactly the characters of the items, so one request holds
// every formula of the build. Each formula also carries its MathML for screen
// readers (MathJax's assistive-mml, as in the browser).
"use strict";

const path = require("path");
const fs = require("fs");

const dir = path.join(process.argv[2], "js");
const need = (name) => require(path.join(dir, name));

const {mathjax} = need("mathjax.js");
const {TeX} = need("input/tex.js");
const {CHTML} = need("output/chtml.js");
const {liteAdaptor} = need("adaptors/liteAdaptor.js");
const {RegisterHTMLHandler} = need("handlers/html.js");
const {AssistiveMmlHandler} = need("a11y/assistive-mml.js");
// The TeX packages the book's math uses. Without noundefined (which the
// browser's MathJax loads, to show an unknown command in red), an unknown
// command is an error, and static_math.py fails the build on every error.
need("input/tex/base/BaseConfiguration.js");
need("input/tex/ams/AmsConfiguration.js");

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
const doc = mathjax.document("", {
  InputJax: new TeX({packages: ["base", "ams"]}),
  OutputJax: new CHTML({fontURL: request.fontURL}),
});
const html = request.items.map(({tex, display}) => adaptor.outerHTML(doc.convert(tex, {display})));
const css = adaptor.textContent(doc.outputJax.styleSheet(doc));
process.stdout.write(JSON.stringify({html, css}));
