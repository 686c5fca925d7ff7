"""The naive baseline: a plain two-chart Streamlit + Plotly page, written with Streamlit's defaults.

DESIGN.md §7 judges every page's slider against this page, measured in the same run: what a
newcomer writes first for "move the dropout rate and watch the output". Plotly Express-free,
default figure templates, `st.plotly_chart` with its defaults, no caching, no fragments — and
run with Streamlit's default settings (the bench starts it from a folder without our
`.streamlit/config.toml`). It is not part of the app and is never imported by it.
"""

import plotly.graph_objects as go
import streamlit as st
import torch

st.title("Dropout")
words = ["The", "cat", "sat", "on", "the", "mat", "because", "it", "was", "tired"]
p = st.slider("Dropout rate", 0.0, 0.9, 0.2, 0.05)
generator = torch.Generator().manual_seed(0)
x = torch.randn(len(words), 16, generator=generator)
mask = (torch.rand(x.shape, generator=generator) >= p).float()
y = x * mask / (1 - p)
left, right = st.columns(2)
left.plotly_chart(go.Figure(go.Heatmap(z=x.numpy(), y=words, colorscale="RdBu")))
right.plotly_chart(go.Figure(go.Heatmap(z=y.numpy(), y=words, colorscale="RdBu")))
