"""PLACEHOLDER: replaced by the part's implementation."""

from __future__ import annotations

import streamlit as st

from ui.settings import Settings


def steps_part(s: Settings) -> None:
    st.write("steps")
