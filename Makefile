# The Softmax book. `make book` builds the site, `make test` runs every check.
# Both set up .venv first if anything is missing or requirements changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HTML   := _build/html
PORT   ?= 8000
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
# The chapters (book/0*.ipynb) are re-executed and compared in the reader
# bundle's fresh venv (tests/test_bundle.py, the last step of make test); the
# other notebooks here. `make nbval` runs all of them in .venv.
CHAPTER_NOTEBOOKS := $(filter book/0%,$(NOTEBOOKS))
PAGES_NOTEBOOKS := $(filter-out $(CHAPTER_NOTEBOOKS),$(NOTEBOOKS))
PYTEST := $(BIN)/python -m pytest
NBVAL  := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg
JB     := $(BIN)/jupyter-book build . -W -n --keep-going
# An incremental build re-reads only changed pages: it misses a changed
# docstring (the API page) or configuration, and their warnings; and when no
# page changed, Sphinx writes nothing, not even a changed stylesheet, script
# or template. Rebuild everything when one of those is newer than the last build.
STALE  = $(shell find softmax_lib book/_ext _config.yml _toc.yml \( -name '*.py' -o -name '*.yml' \) -newer $(HTML)/searchindex.js 2>/dev/null | head -n 1)$(shell find book/_static book/_templates -type f -newer $(HTML)/searchindex.js 2>/dev/null | head -n 1)

WHEEL  := _build/wheel

.PHONY: help book test unit notebooks-check browser notebooks lab serve bench constraints clean lint types wheel-test
.PHONY: pdf bundle-test axe js-test translations zh nbval test-library test-site

# axe-core, the accessibility checker the browser test runs on every page:
# pinned, from the npm registry, kept beside the venv (removed by make clean).
AXE_VERSION := 4.14.1
AXE := $(VENV)/share/axe-core-$(AXE_VERSION)/axe.min.js
# MathJax for node (the same version as the browser copy of
# sphinx-mathjax-offline): book/_ext/static_math.py typesets the book's math
# with it when the site is built, so pages load no MathJax script. Pinned, from
# the npm registry, kept beside the venv; without npm the build says so and
# leaves the typesetting to MathJax in the reader's browser.
MATHJAX_VERSION := 3.2.2
MATHJAX_NODE := $(VENV)/share/mathjax-full-$(MATHJAX_VERSION)/js/mathjax.js
# The PDF of the whole book: Chromium's print of the single-page build. Kept
# in _build/pdf (a later `make book` copies it into the site) and in the site.
PDF := _build/pdf/softmax-book.pdf
# JupyterLab refuses to run as root (as in a container) without this.
ALLOW_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)

help:
	@echo "make book       build the site into $(HTML) (warnings are errors)"
	@echo "make test       every check: lint, types, unit, property and doctests, the wheel, notebooks (nbval), the build, the browser test"
	@echo "make lint       ruff check and ruff format --check over softmax_lib/"
	@echo "make types      mypy over softmax_lib/"
	@echo "make wheel-test build the wheel and sdist, install the wheel in a fresh venv with numpy alone, run its doctests"
	@echo "make translations  update the Chinese catalogues (locales/) from the English sources and list what is left to translate"
	@echo "make zh         build the Chinese edition alone into $(HTML)/zh"
	@echo "make lab        JupyterLab on book/"
	@echo "make pdf        the whole book as one PDF, $(PDF)"
	@echo "make bundle-test  run every chapter notebook from the site's notebook bundle in a fresh venv, comparing outputs"
	@echo "make nbval      re-execute every notebook in .venv and compare its outputs (nbval)"
	@echo "make notebooks  re-execute every notebook in place, storing fresh outputs"
	@echo "make serve      serve the built site on http://127.0.0.1:$(PORT)"
	@echo "make bench      speed, memory and accuracy benchmarks (BENCH_RUNS=3 runs, median and range)"
	@echo "make clean      remove the build, caches and .venv"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed; run make PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

# The Chinese edition first (into $(HTML)/zh), so that the English build's
# offline zip of the site holds both.
book: $(STAMP)
	$(BIN)/python book/_ext/editions.py zh --quiet
	$(JB) $(if $(STALE),--all)
	@echo "The book is at file://$(CURDIR)/$(HTML)/index.html, in Chinese at file://$(CURDIR)/$(HTML)/zh/index.html (or run: make serve)"

# Two lanes at once, one per core: the library's checks and the builds of the
# site are independent and each mostly uses one core (their outputs are
# printed per target). Then the browser test in two processes (Chromium runs
# a page's scripts and axe-core on one core: 4 min 54 s instead of 7 min 11 s),
# its timing test alone (a busy second core would skew it), and the bundle.
test: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-library test-site
	$(PYTEST) -m "browser and not timing" -n 2 tests/browser
	$(PYTEST) -m "browser and timing" tests/browser
	SOFTMAX_BOOK_BUNDLE_TEST=1 $(PYTEST) tests/test_bundle.py

# Lint, types, the wheel, the explorables' arithmetic, unit/property/doctests
# (with the Chinese catalogues' gate), the notebooks that are not chapters.
test-library: $(STAMP) lint types wheel-test js-test
	$(PYTEST) -m "not browser" tests softmax_lib
	$(PYTEST) $(NBVAL) $(PAGES_NOTEBOOKS)

# Both editions with -W, then the PDF and its test.
test-site: $(STAMP)
	$(BIN)/python book/_ext/editions.py zh --quiet
	$(JB) --all
	$(MAKE) --no-print-directory pdf

# The Chinese edition's catalogues, brought up to date with the English
# sources: new messages come in empty, changed ones fuzzy (with the old
# translation to start from), removed ones go; then the gate lists what is
# left to translate (tests/translations.py, also run by make test).
translations: $(STAMP)
	$(BIN)/python book/_ext/editions.py gettext --quiet
	$(BIN)/sphinx-intl update -p _build/gettext -l zh_CN -d locales -w 0 --no-obsolete
	$(BIN)/python tests/translations.py --prefill
	$(BIN)/python tests/translations.py

# The Chinese edition alone, into $(HTML)/zh (make book builds it too).
zh: $(STAMP)
	$(BIN)/python book/_ext/editions.py zh

# The explorables' arithmetic (book/_static/explorables), by node's own test runner.
js-test:
	node --test tests/js/

# Configured in pyproject.toml ([tool.ruff], [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check softmax_lib
	$(BIN)/ruff format --check softmax_lib

types: $(STAMP)
	$(BIN)/mypy

# What a reader who pip-installs the wheel gets: numpy is its only dependency
# (pip fetches it from the registry or its cache), and every docstring example
# must run there (tests/wheel_doctests.py; examples that need mpmath or
# matplotlib, optional extras, are listed as skipped).
wheel-test: $(STAMP)
	rm -rf $(WHEEL) && mkdir -p $(WHEEL)
	$(BIN)/python -m build --no-isolation --outdir $(WHEEL)/dist . > $(WHEEL)/build.log 2>&1 || { cat $(WHEEL)/build.log; exit 1; }
	@ls $(WHEEL)/dist
	$(PYTHON) -m venv $(WHEEL)/venv
	$(WHEEL)/venv/bin/python -m pip install --quiet $(WHEEL)/dist/*.whl
	cd $(WHEEL) && venv/bin/python $(CURDIR)/tests/wheel_doctests.py

lab: $(STAMP)
	$(BIN)/jupyter lab book $(ALLOW_ROOT)

test: $(AXE)

book test-site test-library zh pdf: $(MATHJAX_NODE)

# npm pack fetches the package alone (no dependencies): static_math.js uses
# only its core, TeX input, CHTML output and assistive MathML, which need none.
$(MATHJAX_NODE):
	@if command -v npm >/dev/null && command -v node >/dev/null; then \
	  d=$(VENV)/share/mathjax-full-$(MATHJAX_VERSION) && rm -rf $$d && mkdir -p $$d && cd $$d \
	  && npm pack --silent mathjax-full@$(MATHJAX_VERSION) >/dev/null \
	  && tar -xzf mathjax-full-$(MATHJAX_VERSION).tgz --strip-components=1 package/js package/LICENSE package/package.json \
	  && rm mathjax-full-$(MATHJAX_VERSION).tgz && test -s js/mathjax.js; \
	else echo "node and npm are missing: the book's math will be typeset in the reader's browser (apt-get install npm)"; fi

$(AXE):
	mkdir -p $(dir $@)
	cd $(dir $@) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js package/LICENSE \
	  && rm axe-core-$(AXE_VERSION).tgz
	test -s $@

axe: $(AXE)

# pdftotext (poppler-utils) reads the PDF back in its test.
pdf: $(STAMP)
	command -v pdftotext >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq poppler-utils; } \
	  || echo "pdftotext is missing (apt-get install poppler-utils): the PDF's test will skip"
	$(BIN)/jupyter-book build . --builder singlehtml -n --keep-going
	$(BIN)/python book/_ext/print_pdf.py _build/singlehtml $(PDF)
	mkdir -p $(HTML)/downloads && cp $(PDF) $(HTML)/downloads/
	$(PYTEST) -m browser tests/browser/test_pdf.py

nbval: $(STAMP)
	$(PYTEST) $(NBVAL) book

bundle-test: $(STAMP)
	SOFTMAX_BOOK_BUNDLE_TEST=1 $(PYTEST) tests/test_bundle.py

notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace $(NOTEBOOKS)

serve: book
	@echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory $(HTML)

# Three runs at least before results.md is quoted (issue 12): its tables give the
# median of the runs with their range. Run it on a quiet machine.
BENCH_RUNS ?= 3
bench: $(STAMP)
	$(BIN)/python -m benchmarks --runs $(BENCH_RUNS)

# Record the versions that pass, for readers to reproduce them.
constraints: $(STAMP)
	{ echo "# Exact versions that passed \`make test\` (pip install -r requirements.txt -c constraints.txt)."; \
	  echo "# Regenerate with \`make constraints\` after changing requirements.txt."; \
	  $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > constraints.txt

clean:
	rm -rf _build $(VENV) .pytest_cache .hypothesis softmax_lib.egg-info
