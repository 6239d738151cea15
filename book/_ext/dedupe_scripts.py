"""Drop repeated <script> entries from every page.

A stock jupyter-book 1 build registers sphinx-thebe's inline script twice;
in a browser the second copy throws "Identifier 'THEBE_JS_URL' has already
been declared" on every page. This keeps the first copy of each script.
"""

from __future__ import annotations


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        # Compare what reaches the page: the copies differ in how an inline
        # script's missing file name is spelled (None in one, "" in the other).
        filename = getattr(script, "filename", script) or ""
        key = (str(filename), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
