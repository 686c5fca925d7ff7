"""Recurrent layers: step through time with every gate's numbers, sequences or the last state,
bidirectional, the weights in Keras' and PyTorch's layouts, and the tutorial's shapes."""

import streamlit as st

from lessons.recurrent.page import recurrent_page
from ui import shell
from ui.state import sync_url, use_scope

use_scope("recurrent")  # `part`, `cell`, `d`, `units`, `t` in this page's links are its own
shell.page_header("recurrent.title", "recurrent.idea")


# A control moved here reruns this page's body only, not the sidebar and the heading.
@st.fragment
def body() -> None:
    recurrent_page()
    sync_url()  # a fragment's rerun keeps the address bar a lesson link too


body()
sync_url()
