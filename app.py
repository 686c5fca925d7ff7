"""Layerscope: the shell. Page config, the shared sidebar, navigation over views/, the URL."""

import streamlit as st

from ui import shell
from ui.i18n import t, use_language
from ui.state import current, sync_url

st.set_page_config(page_title="Layerscope", page_icon="🔬", layout="wide")
use_language(current().lang)

pages = [
    st.Page("views/follow.py", title=t("nav.follow"), icon="🔬", default=True),
]
page = st.navigation(pages)
shell.sidebar()
page.run()
sync_url()
