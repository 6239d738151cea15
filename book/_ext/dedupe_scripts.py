"""Drop repeated <script> entries from every page.

A stock jupyter-book 1 build registers sphinx-thebe's inline script twice;
in a browser the second copy throws "Identifier 'THEBE_JS_URL' has already
been declared" on every page. This keeps the first copy of each script.

The two copies are not equal for Sphinx: one was registered with the
filename ``None`` (added to the builder directly), the other with ``""``
(re-added from the registry), and they may differ in priority. So a script is
identified by its filename (``None`` and ``""`` alike: an inline script) and
its attributes, body included; priority is ignored.
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
