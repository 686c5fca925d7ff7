"""Downloads of the tensors on screen, as CSV and as NumPy; built only when clicked."""

from __future__ import annotations

import io

import numpy as np
import streamlit as st
import torch

from .i18n import t


def to_csv(array: np.ndarray) -> str:
    """One line per vector along the last axis, led by its index along the other axes."""
    array = np.atleast_2d(array)
    leading = array.shape[:-1]
    names = [f"axis{k}" for k in range(len(leading))]
    lines = [",".join([*names, *(f"f{j}" for j in range(array.shape[-1]))])]
    for index in np.ndindex(*leading):
        values = ",".join(f"{v:.9g}" for v in array[index])
        lines.append(",".join([*map(str, index), values]))
    return "\n".join(lines) + "\n"


def to_npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def downloads(name: str, tensor: torch.Tensor, key: str) -> None:
    """Two buttons, CSV and .npy, for one tensor; the file is made only on click."""
    array = tensor.detach().to(torch.float32).numpy()
    shape = tuple(array.shape)
    left, right = st.columns(2)
    left.download_button(
        t("download.csv", name=name, shape=shape),
        data=lambda: to_csv(array),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    right.download_button(
        t("download.npy", name=name, shape=shape),
        data=lambda: to_npy(array),
        file_name=f"{name}.npy",
        mime="application/octet-stream",
        key=f"{key}_npy",
        on_click="ignore",
    )
