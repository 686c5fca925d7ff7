"""Layerscope: the shell. Page config, the shared sidebar, navigation over views/, the URL."""

import streamlit as st

from ui import shell
from ui.i18n import t, use_language
from ui.pages import PAGES
from ui.server import freeze_loaded_objects, nodelay_everywhere
from ui.state import current, sync_url, use_scope

nodelay_everywhere()  # once per process: every rerun's messages go out at once (ui/server.py)

st.set_page_config(page_title="Layerscope", page_icon="🔬", layout="wide")
use_language(current().lang)

page = st.navigation(
    [
        st.Page(
            info.path,
            title=t(info.title_key),
            icon=info.icon,
            default=not info.url_path,
            url_path=info.url_path or None,
        )
        for info in PAGES
    ]
)
use_scope(page.url_path)  # the Train page's `batch` is its batch_size (ui/settings.py SCOPES)
shell.sidebar()
page.run()
sync_url()
# Once per process, after the first page has loaded every library: full collections stop
# walking their objects (ui/server.py).
freeze_loaded_objects()
