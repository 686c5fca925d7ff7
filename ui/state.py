"""Session state ↔ settings ↔ address bar.

The settings of a session live in `st.session_state` (read from the URL on the session's first
run) and are written back to `st.query_params` on every run, so the address bar is always a
lesson link. Widgets bound with `widget()` keep their own key (`w_<name>`), are seeded from the
settings when they (re)appear — Streamlit forgets a widget's state on pages that do not draw
it — and write back through a callback, before the rerun starts.

A lesson link can hide controls (`hide=d,heads`): `widget()` does not draw a hidden setting's
widget, so every page that binds its controls through `widget()` gets hiding for free. A control
drawn some other way (the stack editor, a button that sets several settings) asks `hidden()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from .settings import SCOPES, Notice, Settings, fit_divisors, parse_query, to_query

SETTINGS = "_settings"
NOTICES = "_notices"
SCOPE = "_scope"


def _url_scope() -> str:
    """The page the address bar names, if it has its own link names (the Train page's `batch`)."""
    try:
        path = urlsplit(st.context.url or "").path
    except Exception:  # no browser behind this session (AppTest)
        return ""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return last if last in SCOPES else ""


def use_scope(scope: str) -> None:
    """Say which page runs, so that its own link names (SCOPES) read and write its settings."""
    st.session_state[SCOPE] = scope if scope in SCOPES else ""


def scope() -> str:
    if SCOPE not in st.session_state:
        st.session_state[SCOPE] = _url_scope()
    return st.session_state[SCOPE]


def current() -> Settings:
    """This session's settings; on its first run, parsed from the address bar."""
    if SETTINGS not in st.session_state:
        query = {name: st.query_params.get_all(name) for name in st.query_params}
        settings, notices = parse_query(query, scope())
        st.session_state[SETTINGS] = settings
        st.session_state[NOTICES] = notices
    return st.session_state[SETTINGS]


def notices() -> list[Notice]:
    current()
    return st.session_state.get(NOTICES, [])


def update(source: str | None = None, /, **changes: Any) -> None:
    """Change settings (from a callback) and move bound widgets to the new values.

    `source` (positional: a setting is named `source` too) names the setting whose own widget
    made the change: that widget already holds it.
    """
    before = current()
    base = before.with_lang(changes["lang"]) if "lang" in changes else before  # text follows
    settings = fit_divisors(replace(base, **changes))  # a new width may not suit heads, groups
    st.session_state[SETTINGS] = settings
    st.session_state[NOTICES] = []
    # Every other widget whose setting moved (text after a language switch or a sample batch,
    # heads and groups after a new width) shows the new value.
    for f in fields(Settings):
        key = f"w_{f.name}"
        moved = getattr(settings, f.name) != getattr(before, f.name)
        if moved and f.name != source and key in st.session_state:
            st.session_state[key] = getattr(settings, f.name)


def sync_url() -> None:
    """Write the settings to the address bar (only what differs from the defaults)."""
    wanted = to_query(current(), scope())
    present = {name: st.query_params.get(name) for name in st.query_params}
    if present != wanted:
        st.query_params.from_dict(wanted)


def hidden(*names: str) -> bool:
    """Whether the lesson link hides any of these controls (`hide=` in the URL).

    A hidden control's setting keeps the link's value and still drives the page. A control that
    would change a hidden setting (a button that loads several values) asks about each of them.
    """
    hide = current().hide
    return any(name in hide for name in names)


def shown(*names: str) -> list[str]:
    """The names of these controls that the lesson link does not hide, in the same order."""
    return [name for name in names if not hidden(name)]


def _fits(value: Any, current_value: Any) -> bool:
    """Whether a widget's value can stand in for a setting of this type."""
    if value is None:
        return False
    if isinstance(current_value, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(current_value, bool)
    if isinstance(current_value, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(current_value))


def _agrees(value: Any, wanted: Any) -> bool:
    try:
        return bool(value == wanted)
    except (TypeError, ValueError):  # values that cannot be compared do not agree
        return False


def widget(
    make: Callable[..., Any],
    label: str,
    name: str,
    *,
    to_widget: Callable[[Any], Any] = lambda value: value,
    from_widget: Callable[[Any], Any] = lambda value: value,
    **kwargs: Any,
) -> Any:
    """A Streamlit widget bound to the setting `name` (key `w_<name>`).

    If the lesson link hides `name` (`hide=`), nothing is drawn and this returns what the widget
    would hold; the setting keeps its value from the link and still drives the page. Every page
    that draws its controls through here gets hiding for free.
    """
    if hidden(name):
        return to_widget(getattr(current(), name))
    key = f"w_{name}"
    wanted = to_widget(getattr(current(), name))
    # Stated again on every run while the widget agrees with the setting: Streamlit forgets a
    # keyed widget's value when its parameters change (a slider's range after new text) and
    # would show its default while the page uses the setting. A box holding text that did not
    # parse disagrees with the setting and keeps what was typed.
    if key not in st.session_state or _agrees(st.session_state[key], wanted):
        st.session_state[key] = wanted

    def changed() -> None:
        value = from_widget(st.session_state[key]) if st.session_state[key] is not None else None
        if not _fits(value, getattr(current(), name)):
            # A deselected control, or a stale option: a selectbox whose options changed under
            # it (new text, new tokens) can send back an old label as a string. Keep the setting.
            st.session_state[key] = to_widget(getattr(current(), name))
            return
        update(name, **{name: value})

    return make(label, key=key, on_change=changed, **kwargs)
