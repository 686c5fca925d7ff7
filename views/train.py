"""Train a model: the tutorial's Keras workflow, live, on real sentences."""

import streamlit as st

from lessons.train.page import train_page
from ui import shell
from ui.state import sync_url, use_scope

use_scope("train")  # `batch`, `maxlen`, `num_words` … in this page's links are the model's
shell.page_header("train.title", "train.idea")


# A control moved here reruns this page's body only, not the sidebar and the heading.
@st.fragment
def body() -> None:
    train_page()
    sync_url()  # a fragment's rerun keeps the address bar a lesson link too


body()
sync_url()
