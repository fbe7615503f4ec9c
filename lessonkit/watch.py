"""``render.py --watch``: render again whenever a scene, the code scenes run or the lesson
config is saved, and show the newest render on a preview page that reloads itself.

Each render is a fresh ``render.py`` run (the same options, without ``--watch``),
so an edit of any Python file takes effect, a bad lesson file is refused in its one line
while watching goes on, and the output folder keeps the last good render (a render
swaps its folder in only when it is complete). Unchanged scenes and their files come from
the cache (:mod:`lessonkit.scenecache`, :mod:`lessonkit.outputcache`), so a render after
an edit costs about what the edited scene costs.

Where it can (Linux and other POSIX systems), each render is a fork of a warm interpreter
(:class:`WarmRender`, on :mod:`multiprocessing`'s fork server) that has imported manim and
the other libraries a render needs (about 2 s at each start) but none of the project's
code, which each render imports as saved.

The preview is a small page served from the output folder (``templates/preview.html``)
that shows ``slides.html`` and polls the watcher for the number of the last good render.
Files are watched with ``watchfiles`` (inotify on Linux).
"""

from __future__ import annotations

import functools
import http.server
import multiprocessing
import os
import runpy
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

#: What a save of is a reason to render again.
WATCHED_SUFFIXES = (".py", ".toml", ".tex", ".html")
#: Folders of the project whose files the scenes run or read.
WATCHED_FOLDERS = ("scenes", "lessonkit", "mathcore", "assets")
#: Where the preview page asks for the number of the last good render.
VERSION_PATH = "/__render__"
#: How often the preview page asks, in milliseconds.
POLL_MS = 400
#: The libraries a render imports that take seconds to import and that no save changes:
#: the warm interpreter every render is forked from imports them once (see :class:`WarmRender`).
WARM_MODULES = ("numpy", "manim", "av", "pptx", "jinja2", "num2words", "PIL.Image")
#: How long, in milliseconds, a burst of saves (an editor writing several files) is
#: waited out before rendering once.
DEBOUNCE_MS = 150


def watched_files(project_root: Path, config: Path | None) -> tuple[list[Path], set[Path]]:
    """The folders to watch (each without its sub-folders: those are listed too) and, for
    a lesson file outside them, that file alone (its folder is watched, since editors
    save by writing a new file and renaming it over the old one)."""
    folders = []
    for name in WATCHED_FOLDERS:
        top = project_root / name
        if top.is_dir():
            folders += [top, *sorted(path for path in top.rglob("*")
                                     if path.is_dir() and "__pycache__" not in path.parts)]
    exact: set[Path] = set()
    if config is not None:
        config = config.resolve()
        if not any(config.parent == folder.resolve() for folder in folders):
            folders.append(config.parent)
            exact.add(config)
    return folders, exact


@dataclass
class PreviewServer:
    """A local HTTP server for the output folder, and the page that reloads its slides."""

    out_dir: Path
    port: int = 8000
    #: The number of the last render that succeeded (0: none yet).
    version: int = 0
    _server: http.server.ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/__preview__.html"

    def start(self) -> "PreviewServer":
        page = _preview_page()
        preview = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.split("?")[0]
                if path in (VERSION_PATH, "/__preview__.html"):
                    body = (str(preview.version) if path == VERSION_PATH else page).encode()
                    self.send_response(200)
                    kind = "text/plain" if path == VERSION_PATH else "text/html; charset=utf-8"
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

            def end_headers(self) -> None:
                # A new render replaces the files under the same names: never serve a stale copy.
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's name)
                pass

        # The handler looks the folder up by name on every request, so it serves the newest
        # render after render.py swaps its folder in.
        handler = functools.partial(Handler, directory=str(self.out_dir))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="preview-server", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _preview_page() -> str:
    import jinja2

    environment = jinja2.Environment(loader=jinja2.PackageLoader("lessonkit", "templates"), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    return environment.get_template("preview.html").render(version_path=VERSION_PATH, poll_ms=POLL_MS)


class RenderProcess:
    """One ``render.py`` run in its own session (a Ctrl-C in the terminal reaches the
    watcher only, which then stops it), its messages passed on line by line."""

    def __init__(self, command: Sequence[str], log: Callable[[str], None]) -> None:
        self.process = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.quiet = False
        self._relay = threading.Thread(target=self._pass_on, args=(log,), daemon=True)
        self._relay.start()

    def _pass_on(self, log: Callable[[str], None]) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if not self.quiet:
                log(line.rstrip("\n"))

    def wait(self) -> int:
        code = self.process.wait()
        self._relay.join()
        return code

    def stop(self) -> None:
        """Stop the render (its workers with it) without its messages."""
        self.quiet = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class WarmRender:
    """``render.py`` with ``argv``, each run forked from a warm interpreter: a fork server
    that has imported :data:`WARM_MODULES` (started by the first run). The project's own
    modules are not among them, so each run imports the scenes, lessonkit and mathcore as
    they are saved; :meth:`start` returns a :class:`ForkedRender`."""

    def __init__(self, render_script: Path, argv: Sequence[str], modules: Sequence[str] = WARM_MODULES) -> None:
        self.render_script = str(render_script)
        self.argv = list(argv)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(modules))

    @staticmethod
    def available() -> bool:
        return "forkserver" in multiprocessing.get_all_start_methods()

    def start(self, log: Callable[[str], None]) -> "ForkedRender":
        return ForkedRender(self._context, self.render_script, self.argv, log)


def _run_forked(render_script: str, argv: list[str], output) -> None:
    """In the fork: a session of its own (a Ctrl-C in the terminal reaches the watcher
    only), both output streams into ``output``, then ``render.py argv`` as its main."""
    os.setsid()
    for stream in (1, 2):
        os.dup2(output.fileno(), stream)
    output.close()
    sys.argv = [render_script, *argv]
    runpy.run_path(render_script, run_name="__main__")


class ForkedRender:
    """A run of :class:`WarmRender`, with the interface of :class:`RenderProcess`."""

    def __init__(self, context, render_script: str, argv: list[str], log: Callable[[str], None]) -> None:
        reader, writer = context.Pipe(duplex=False)
        self.process = context.Process(target=_run_forked, args=(render_script, argv, writer),
                                       name="render")
        self.process.start()
        writer.close()  # the fork and the render's workers hold the writing end now
        self.quiet = False
        self._output = open(os.dup(reader.fileno()), encoding="utf-8", errors="replace")
        reader.close()
        self._relay = threading.Thread(target=self._pass_on, args=(log,), daemon=True)
        self._relay.start()

    def _pass_on(self, log: Callable[[str], None]) -> None:
        with self._output:
            for line in self._output:
                if not self.quiet:
                    log(line.rstrip("\n"))

    def wait(self) -> int:
        self.process.join()
        self._relay.join()
        return self.process.exitcode

    def stop(self) -> None:
        """Stop the render (its workers with it) without its messages."""
        self.quiet = True
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=30)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()


class Saves:
    """Saves noticed in a background thread from the moment it starts, so that a file saved
    while a render runs starts the next one as soon as it ends."""

    def __init__(self, folders: Iterable[Path], exact: set[Path]) -> None:
        self._folders = [str(folder) for folder in folders]
        only_exact = {file.parent for file in exact}  # a lesson file's own folder: that file alone

        def wanted(change, path: str) -> bool:
            saved = Path(path).resolve()
            if saved.parent in only_exact:
                return saved in exact
            return saved.suffix in WATCHED_SUFFIXES and not saved.name.startswith(".")

        self._wanted = wanted
        self._lock = threading.Lock()
        self._names: set[str] = set()
        self._saved = threading.Event()
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="watch-saves", daemon=True)

    def _watch(self) -> None:
        import watchfiles

        # yield_on_timeout: an empty batch first, once the watcher is in place.
        for batch in watchfiles.watch(*self._folders, watch_filter=self._wanted, debounce=DEBOUNCE_MS, step=50,
                                  recursive=False, stop_event=self._stop, rust_timeout=200, yield_on_timeout=True):
            self._ready.set()
            if batch:
                with self._lock:
                    self._names |= {Path(path).name for _, path in batch}
                self._saved.set()
        self._ready.set()

    def __enter__(self) -> "Saves":
        self._thread.start()
        self._ready.wait(timeout=30)
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def wait(self) -> list[str]:
        """The names of the files saved since the last call, once there is one. Waits in
        short steps, so that the main thread still takes signals (Ctrl-C)."""
        while not self._saved.wait(timeout=0.2):
            if not self._thread.is_alive():
                raise RuntimeError("the file watcher stopped")
        with self._lock:
            self._saved.clear()
            names, self._names = sorted(self._names), set()
        return names


def watch(render_command: Sequence[str] | WarmRender, folders: Iterable[Path], exact: set[Path], *,
          server: PreviewServer | None = None, max_renders: int | None = None,
          log: Callable[[str], None] = print) -> int:
    """Run ``render_command`` (a command, or a :class:`WarmRender`) now and after every save
    in ``folders`` (of a file with one of :data:`WATCHED_SUFFIXES`, or one of the ``exact``
    files); count a good render on ``server``. Returns after ``max_renders`` renders (None:
    never; a signal ends it), with the exit status of the last render."""
    renders, code = 0, 0
    running: RenderProcess | ForkedRender | None = None
    with Saves(folders, exact) as saves:
        try:
            while True:
                if isinstance(render_command, WarmRender):
                    running = render_command.start(log)
                else:
                    running = RenderProcess(render_command, log)
                code = running.wait()
                running = None
                renders += 1
                if code == 0 and server is not None:
                    server.version += 1
                    log(f"preview updated: {server.url}")
                elif code != 0:
                    log("kept the last good render; fix the file and save it to render again")
                if max_renders is not None and renders >= max_renders:
                    return code
                log("watching for changes (Ctrl-C stops)")
                log(f"saved: {', '.join(saves.wait())}; rendering again")
        finally:
            if running is not None:
                running.stop()


def render_command(argv: Sequence[str], render_script: Path) -> list[str]:
    """The ``render.py`` command a watcher runs: this interpreter, the same options."""
    return [sys.executable, str(render_script), *argv]
