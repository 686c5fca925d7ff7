"""Text & embedding: from words to ids, padded rows, one-hot vectors and real word vectors."""

import streamlit as st

from lessons.text.page import text_page
from ui import shell
from ui.state import sync_url

shell.page_header("text.title", "text.idea")


# A slider moved here reruns this page's body only, not the sidebar and the heading.
@st.fragment
def body() -> None:
    text_page()
    sync_url()  # a fragment's rerun keeps the address bar a lesson link too


body()
sync_url()
