"""Word vectors: what GloVe and Kiwi cost a server, and how fast their parts open.

On a fresh `streamlit run` server per repetition, in headless Chromium:
1. open Follow, the lab and the Text page's default part (nothing loads vector sets) and read the
   server's resident memory (its whole process tree): *none*;
2. open `/text?part=similarity` (GloVe is loaded on this first open): seconds until every plot
   is drawn, then the memory: *glove*; open it again in a new tab: the warm open;
3. open `/text?part=korean&lang=ko` (Kiwi is loaded, the NSMC reviews counted): seconds, then
   memory: *glove+kiwi*; again, warm.

The warm opens are page loads on a warm server, judged by DESIGN §7's load budget (≤ 3 s); the
first opens and the memory are kept for information (they happen once per server process).
"""

from __future__ import annotations

import time
from pathlib import Path

from .live import VIEWPORT, Server, exception_texts, launch_chromium, open_page, page_url
from .report import Figure

SECTION = "7. Word vectors (Text & embedding page)"
PLAIN = (("", {}), ("lab", {}), ("text", {}))
PARTS = (
    ("similarity", "glove", {"part": "similarity"}),
    ("korean", "glove+kiwi", {"part": "korean", "lang": "ko"}),
)


def _open(context, url: str, errors: list[str]) -> float:
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    open_page(page, url, timeout=240)
    seconds = time.perf_counter() - start
    errors += exception_texts(page)
    page.close()
    return seconds


def measure(*, reps: int, out_dir: Path) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    memory: dict[str, list[float]] = {"none": [], "glove": [], "glove+kiwi": []}
    first: dict[str, list[float]] = {name: [] for name, _, _ in PARTS}
    warm: dict[str, list[float]] = {name: [] for name, _, _ in PARTS}
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for i in range(max(reps, 1)):
                server = Server(log_path=out_dir / f"streamlit-vectors-{i}.log")
                context = browser.new_context(viewport=VIEWPORT, locale="en-US")
                try:
                    server.start()
                    server.wait_healthy()
                    for url_path, query in PLAIN:
                        _open(context, page_url(server.url, url_path, query), errors)
                    memory["none"].append(server.rss() / 2**20)
                    for name, loaded, query in PARTS:
                        url = page_url(server.url, "text", query)
                        first[name].append(_open(context, url, errors))
                        memory[loaded].append(server.rss() / 2**20)
                        warm[name].append(_open(context, url, errors))
                    print(
                        f"[bench]   vectors {i + 1}: "
                        + ", ".join(f"{k} {v[-1]:.0f} MB" for k, v in memory.items()),
                        flush=True,
                    )
                finally:
                    context.close()
                    server.stop()
        finally:
            browser.close()
    note = "; ".join(errors[:2])
    figures = [
        Figure(
            f"vectors/memory/{loaded}",
            SECTION,
            f"server memory (RSS of its process tree) with {what}",
            "MB",
            memory[loaded],
            note=note or "fresh server; Follow, the lab and the Text page's first part opened",
        ).finish()
        for loaded, what in (
            ("none", "no vector set loaded"),
            ("glove", "GloVe loaded (similarity part opened)"),
            ("glove+kiwi", "GloVe and Kiwi loaded (Korean part opened)"),
        )
    ]
    for name, _, query in PARTS:
        link = "/text?" + "&".join(f"{k}={v}" for k, v in query.items())
        figures.append(
            Figure(
                f"vectors/first-open/{name}",
                SECTION,
                f"{link}: first open on the server (loads the vectors) → every plot drawn",
                "s",
                first[name],
                note=note or "once per server process",
            ).finish()
        )
        figures.append(
            Figure(
                f"vectors/warm-open/{name}",
                SECTION,
                f"{link}: opened again (vectors in memory) → every plot drawn",
                "s",
                warm[name],
                "load",
                note=note,
            ).finish()
        )
    return figures
