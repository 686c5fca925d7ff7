"""Gradients & initialization: vanishing and exploding gradients, through depth and time."""

import streamlit as st

from lessons.gradients.page import gradients_page
from ui import shell
from ui.state import sync_url

shell.page_header("gradients.title", "gradients.idea")


# A slider moved here reruns this page's body only, not the sidebar and the heading.
@st.fragment
def body() -> None:
    gradients_page()
    sync_url()  # a fragment's rerun keeps the address bar a lesson link too


body()
sync_url()
