"""Layerscope — placeholder until the app issue lands: the layers library is ready to use."""

import streamlit as st

st.set_page_config(page_title="Layerscope", layout="wide")
st.title("Layerscope")
st.info("Coming soon: follow a sentence through a neural network, layer by layer.")
st.info("곧 공개됩니다: 문장 하나가 신경망의 층을 하나씩 지나가는 모습을 따라가 봅니다.")
