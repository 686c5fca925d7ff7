"""Attention & Transformer: Q, K and V being made, every head, one number explained, positions,
and an encoder and a decoder reading two sentences."""

import streamlit as st

from lessons.attention.page import attention_page
from ui import shell
from ui.state import sync_url, use_scope

use_scope("attention")  # `part`, `d`, `heads`, `query`, `key` in this page's links are its own
shell.page_header("attention.title", "attention.idea")


# A control moved here reruns this page's body only, not the sidebar and the heading.
@st.fragment
def body() -> None:
    attention_page()
    sync_url()  # a fragment's rerun keeps the address bar a lesson link too


body()
sync_url()
