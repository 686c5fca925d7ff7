"""The normalization and dropout lab: LayerNorm step by step, four norms, dropout, Add & Norm."""

from ui import lab, shell
from ui.state import sync_url

shell.page_header("lab.title", "lab.idea")
lab.lab_page()
sync_url()
