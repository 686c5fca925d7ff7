"""The app's pages, in menu order: one place that app.py, the tests and the benchmark read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    path: str  # relative to the repository root
    title_key: str  # message key of the menu title
    icon: str  # a Material Symbols name: its font ships with Streamlit, no network needed
    url_path: str  # "" for the default page


PAGES = (
    PageInfo("views/follow.py", "nav.follow", ":material/route:", ""),
    PageInfo("views/lab.py", "nav.lab", ":material/tune:", "lab"),
)
