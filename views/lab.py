"""The normalization and dropout lab: LayerNorm step by step, four norms, dropout, Add & Norm."""

import streamlit as st

from lessons.lab.page import lab_page
from ui import shell
from ui.state import sync_url

shell.page_header("lab.title", "lab.idea")


# A slider moved in the lab reruns the lab only, not the sidebar and the heading.
@st.fragment
def body() -> None:
    lab_page()
    sync_url()  # a fragment's rerun keeps the address bar a lesson link too


body()
sync_url()
