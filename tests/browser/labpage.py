"""JupyterLab in Chromium, seen from the page: open a notebook, run it, read what it shows.

The server runs with `expose_app_in_browser`, so the page's `window.jupyterapp` gives the
notebook's model (outputs, metadata, the kernel's state) next to the DOM that renders it. The
checks compare the two: an output the kernel sent as a widget must be drawn as a widget.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "browser"  # one PNG per chapter

# The notebook open in the main area, and its code cells.
PANEL_JS = "const panel = window.jupyterapp.shell.currentWidget;"
CODE_CELLS_JS = PANEL_JS + (
    "const cells = panel.content.widgets.filter(c => c.model.type === 'code');"
)

KERNEL_IDLE_JS = (
    "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
    " const kernel = w && w.sessionContext && w.sessionContext.session"
    " && w.sessionContext.session.kernel;"
    " return !!kernel && kernel.status === 'idle'"
    " && !!w.context.model.getMetadata('language_info')"
    " && !!w.context.model.getMetadata('language_info').version; }"
)
# Nothing queued or running, and the kernel idle (checked twice by wait_until_idle).
SETTLED_JS = (
    "() => {" + CODE_CELLS_JS + " const kernel = panel.sessionContext.session.kernel;"
    " return kernel.status === 'idle'"
    " && cells.every(c => c.model.executionState !== 'running'); }"
)

# Per code cell: its source, the output types and mime types the kernel sent, and what the
# DOM shows for each output (text, whether a widget / a progress bar / an image is drawn; an
# icon inside a widget is not an image; a widget's description cut short by its width).
CELLS_JS = (
    "() => {" + CODE_CELLS_JS + " return cells.map(c => {"
    " const outputs = c.model.outputs.toJSON();"
    " const nodes = c.outputArea.widgets.map(w => w.node);"
    " return {source: c.model.sharedModel.getSource(),"
    "  executionCount: c.model.executionCount,"
    "  outputs: outputs.map((o, i) => ({type: o.output_type, mimes: Object.keys(o.data || {}),"
    "   plain: (o.data && o.data['text/plain']) || '', ename: o.ename || '',"
    "   name: o.name || '', text: o.text || '',"
    "   shown: nodes[i] ? nodes[i].textContent : '',"
    "   widget: !!(nodes[i] && nodes[i].querySelector('.jupyter-widgets')),"
    "   bar: !!(nodes[i] && nodes[i].querySelector('.widget-hprogress, .widget-progress')),"
    "   images: nodes[i] ? nodes[i].querySelectorAll('img, .jp-RenderedSVG').length : 0,"
    "   cutLabels: nodes[i] ? Array.from(nodes[i].querySelectorAll('.widget-label')).filter("
    "    l => l.scrollWidth > l.clientWidth + 1).map(l => l.textContent) : []})),"
    "  shownText: c.outputArea.node.textContent}; }); }"
)

# Per markdown cell: whether it is rendered, its text outside code and typeset math (where TeX
# left untypeset would show), math MathJax could not typeset, its links and its images (as
# written, the course file they resolve to, whether an image loaded); and the notebook's ids
# and heading ids, for #anchors. JupyterLab rewrites a link or image of a course file into
# the server's files/ URL: the path after it is the file, from the server's root.
MARKDOWN_JS = (
    "() => {" + PANEL_JS + " const md = panel.content.widgets.filter("
    " c => c.model.type === 'markdown');"
    " const files = window.jupyterapp.serviceManager.serverSettings.baseUrl + 'files/';"
    " const local = url => url.startsWith(files)"
    "  ? decodeURIComponent(url.slice(files.length).split(/[?#]/)[0]) : null;"
    " const ids = Array.from(panel.content.node.querySelectorAll('[id], [data-jupyter-id]'));"
    " return {ids: ids.map(e => e.getAttribute('data-jupyter-id') || e.id),"
    " cells: md.map(c => { const shown = c.node.querySelector('.jp-RenderedMarkdown');"
    "  const prose = shown ? shown.cloneNode(true) : null;"
    "  if (prose) prose.querySelectorAll('code, pre, mjx-container').forEach(e => e.remove());"
    "  return {rendered: c.rendered && !!shown, prose: prose ? prose.textContent : '',"
    "   mathErrors: c.node.querySelectorAll('mjx-merror, .MathJax_Error').length,"
    "   links: Array.from(c.node.querySelectorAll('a[href]')).map("
    "    a => ({href: a.getAttribute('href'), path: local(a.href)})),"
    "   images: Array.from(c.node.querySelectorAll('img')).map(i => ({"
    "    src: i.getAttribute('src'), path: local(i.src),"
    "    loaded: i.complete && i.naturalWidth > 0}))}; })}; }"
)
# TeX that MathJax should have typeset: a $...$ pair, or a command such as \frac{ or \sum_.
UNTYPESET_MATH = re.compile(r"\$[^$\s][^$]*\$|\\[a-zA-Z]+[{_^]")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, data:

TQDM_TEXT = re.compile(r"\d+%\|")
PLOT_SOURCE = re.compile(r"\bplt\.(show|subplots|figure|imshow|plot)\(|\bviz\.draw\(")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# What a widget looks like when it is printed instead of drawn: its repr, or tqdm's fallback.
WIDGET_AS_TEXT = re.compile(
    r"^\s*(\w+\(children=|\w*(Slider|Progress|Dropdown|Box|Output)\(|interactive\()"
    r"|IProgress not found|Error displaying widget"
)


@dataclass
class ChapterReport:
    """What one chapter showed in the browser; problems empty when all is well."""

    name: str
    run_s: float = 0.0
    restart_run_s: float = 0.0  # Restart Kernel and Run All, after the first run
    widgets: int = 0
    bars: int = 0
    images: int = 0
    slider: str = ""
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.name:<24} {self.run_s:5.1f} s, again {self.restart_run_s:5.1f} s  "
            f"{self.widgets} widgets, {self.bars} tqdm "
            f"bars, {self.images} images; slider: {self.slider or '-'}"
        )


REPORTS: dict[str, ChapterReport] = {}  # every chapter's report, for the terminal summary


def wait_until_idle(page, timeout_s: float) -> None:
    """Kernel idle with no cell queued, twice in a row half a second apart (run-all queues
    cells one by one, so a single idle moment may fall between two cells)."""
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = max(deadline - time.monotonic(), 0.1)
        page.wait_for_function(SETTLED_JS, timeout=remaining * 1000, polling=250)
        page.wait_for_timeout(500)
        if page.evaluate(SETTLED_JS):
            return


def open_notebook(page, base_url: str, token: str, path: str, timeout_s: float = 120) -> None:
    """Open path (relative to the server's root) alone in a fresh workspace; wait for its kernel."""
    page.goto(f"{base_url}/lab/tree/{path}?token={token}&reset")
    page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout_s * 1000, polling=250)


def notebook_state(page) -> dict:
    """The open notebook's dirty flag and its kernel metadata, as JupyterLab holds them."""
    return page.evaluate(
        "() => {" + PANEL_JS + " const m = panel.context.model;"
        " return {dirty: m.dirty, kernelspec: m.getMetadata('kernelspec'),"
        " language_info: m.getMetadata('language_info')}; }"
    )


def run_all(page, timeout_s: float) -> float:
    """Run every cell (the Run > Run All Cells command); return the seconds until idle."""
    started = time.perf_counter()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(500)
    wait_until_idle(page, timeout_s)
    return time.perf_counter() - started


# Every code cell that has code ran, in order, in a fresh kernel (so the last one's count is
# their number), or one of them failed (Run All stops there).
FRESH_RUN_DONE_JS = (
    "() => {" + CODE_CELLS_JS + " const run = cells.filter("
    " c => c.model.sharedModel.getSource().trim());"
    " return run[run.length - 1].model.executionCount === run.length || cells.some("
    " c => c.model.outputs.toJSON().some(o => o.output_type === 'error')); }"
)


def restart_and_run_all(page, timeout_s: float) -> float:
    """Kernel > Restart Kernel and Run All Cells, confirmed in its dialog, as a student does
    after editing; return the seconds until every cell ran again. The outputs and counts of
    the earlier run are cleared first, so that only the new run can satisfy the wait."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    started = time.perf_counter()
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_function(FRESH_RUN_DONE_JS, timeout=timeout_s * 1000, polling=250)
    wait_until_idle(page, timeout_s)
    return time.perf_counter() - started


ACTIVE_CELL_JS = "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"


def run_by_keyboard(page, timeout_s: float) -> list[str]:
    """Shift+Enter from the first cell to the last, each cell waited for as a student waits
    for it (run with the keyboard alone, no mouse after the first click). Returns the cells
    the keyboard did not move through in order."""
    count = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.keyboard.press("Escape")  # command mode, where a student starts
    skipped = []
    for index in range(count):
        active = page.evaluate(ACTIVE_CELL_JS)
        if active != index:
            skipped.append(f"Shift+Enter reached cell {active + 1}, not cell {index + 1}")
            break
        page.keyboard.press("Shift+Enter")
        page.wait_for_timeout(200)
        wait_until_idle(page, timeout_s)
    return skipped


def cells(page) -> list[dict]:
    return page.evaluate(CELLS_JS)


def output_problems(cell_list: list[dict], report: ChapterReport) -> None:
    """Errors, widgets drawn as text, tqdm bars as text, plots without an image."""
    for number, cell in enumerate(cell_list, start=1):
        where = f"code cell {number}"
        if cell["executionCount"] is None and cell["source"].strip():  # JupyterLab skips empty
            report.problems.append(f"{where} did not run")
        if "Traceback" in cell["shownText"] or "Error displaying widget" in cell["shownText"]:
            report.problems.append(f"{where} shows: {cell['shownText'][:300]!r}")
        for out in cell["outputs"]:
            if out["type"] == "error":
                report.problems.append(f"{where} raised {out['ename']}")
            if WIDGET_MIME in out["mimes"]:
                report.widgets += 1
                if not out["widget"] or WIDGET_AS_TEXT.search(out["shown"]):
                    report.problems.append(
                        f"{where}: a widget is not drawn as a control: {out['shown'][:200]!r}"
                    )
                for label in out["cutLabels"]:
                    report.problems.append(f"{where}: a widget's label is cut short: {label!r}")
                if TQDM_TEXT.search(out["plain"]):
                    report.bars += out["bar"]
                    if not out["bar"]:
                        report.problems.append(f"{where}: a tqdm bar is not drawn as a bar")
            elif out["type"] == "stream" and TQDM_TEXT.search(out["text"]):
                report.problems.append(f"{where}: tqdm printed text, not a bar: {out['text']!r}")
            elif out["type"] == "stream" and out["name"] == "stderr" and out["text"].strip():
                # shown in red under the cell: a warning a student cannot act on
                report.problems.append(f"{where} wrote to stderr: {out['text'][:300]!r}")
            report.images += out["images"]
        if PLOT_SOURCE.search(cell["source"]) and not any(o["images"] for o in cell["outputs"]):
            report.problems.append(f"{where} makes a plot but shows no image")


def markdown_problems(markdown: dict, notebook: Path, report: ChapterReport) -> None:
    """Markdown not rendered, math not typeset, a link or an image that leads nowhere.

    A link to a file must name a file of the course; an #anchor must be an id or a heading in
    the notebook; an image must have loaded, from the course, not from the network. Links to
    web pages are left alone: a student may follow them, nothing in the notebook needs them."""
    ids = set(markdown["ids"])
    for number, cell in enumerate(markdown["cells"], start=1):
        where = f"markdown cell {number}"
        if not cell["rendered"]:
            report.problems.append(f"{where} is not rendered")
        if cell["mathErrors"]:
            report.problems.append(f"{where}: MathJax failed on {cell['mathErrors']} formulas")
        tex = UNTYPESET_MATH.search(cell["prose"])
        if tex:
            report.problems.append(f"{where} shows TeX as text: {tex.group()!r}")
        for link in cell["links"]:
            href, path = link["href"], link["path"]
            if path is None and not EXTERNAL.match(href):  # not rewritten by JupyterLab (yet)
                target, _, anchor = href.partition("#")
                if target:
                    path = (notebook.parent / unquote(target.partition("?")[0])).resolve()
                elif unquote(anchor) not in ids:
                    report.problems.append(f"{where}: the link {href!r} names no heading here")
            if path is not None and not (ROOT / path).is_file():
                report.problems.append(f"{where}: the link to {str(path)!r} finds no file")
        for image in cell["images"]:
            src = image["src"] or ""
            if image["path"] is None and EXTERNAL.match(src) and not src.startswith("data:"):
                report.problems.append(f"{where}: the image {src!r} needs the network")
            elif not image["loaded"]:
                report.problems.append(f"{where}: the image {image['path'] or src!r} did not load")


def watch_console(page) -> list[str]:
    """The errors the page reports from now on: console.error and uncaught exceptions."""
    seen: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            seen.append(f"console.error: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(f"uncaught: {error}"))
    return seen


SLIDER_CELL_JS = (
    "() => {" + CODE_CELLS_JS + " return cells.findIndex("
    " c => !!c.outputArea.node.querySelector('.widget-slider')); }"
)
# What the slider's cell shows besides the slider itself: its output widgets' text and images.
_SLIDER_OUTPUT = (
    "Array.from(cells[index].outputArea.node.querySelectorAll('.widget-output')).map("
    " o => o.textContent + Array.from(o.querySelectorAll('img')).map(i => i.src).join('')"
    " + Array.from(o.querySelectorAll('svg')).map(s => s.outerHTML).join('')).join('\\n')"
)
SLIDER_OUTPUT_JS = "(index) => {" + CODE_CELLS_JS + " return " + _SLIDER_OUTPUT + "; }"
SLIDER_CHANGED_JS = (
    "(a) => {"
    + CODE_CELLS_JS
    + " const index = a.index; return "
    + _SLIDER_OUTPUT
    + " !== a.before; }"
)


def move_first_slider(page, report: ChapterReport, timeout_s: float = 60) -> None:
    """Move the chapter's first slider three steps by keyboard; its output must change.
    A chapter without a slider is reported as such."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    index = page.evaluate(SLIDER_CELL_JS)
    if index < 0:
        report.slider = "no slider in this chapter"
        return
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    handle = cell.locator(".widget-slider .noUi-handle, .widget-slider .ui-slider-handle").first
    before = page.evaluate(SLIDER_OUTPUT_JS, index)
    if not before:
        report.problems.append(f"code cell {index + 1}: the slider has no output to change")
        return
    handle.scroll_into_view_if_needed()
    readout = cell.locator(".widget-readout").first
    value_before = readout.text_content() if readout.count() else ""
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.focus()
    for _ in range(3):  # towards the other end when the slider starts at its maximum
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        page.wait_for_timeout(200)
    wait_until_idle(page, timeout_s)
    try:
        page.wait_for_function(
            SLIDER_CHANGED_JS,
            arg={"index": index, "before": before},
            timeout=timeout_s * 1000,
            polling=250,
        )
    except PlaywrightTimeoutError:
        report.problems.append(f"code cell {index + 1}: moving the slider changed nothing")
        return
    value_after = readout.text_content() if readout.count() else ""
    report.slider = f"cell {index + 1}: {value_before} -> {value_after}, output changed"
