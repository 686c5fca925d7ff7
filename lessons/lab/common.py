"""What the lab's sections share: the token vectors, γ and β, the sentence picker."""

from __future__ import annotations

import streamlit as st
import torch

from layers.stack import PAD
from ui import controls
from ui.compute import capped
from ui.i18n import t
from ui.settings import LIMITS, Settings, parse_numbers
from ui.shell import code_panel
from ui.state import current, hidden, update, widget

from . import compute

SAMPLE_BATCH = {
    "en": "The cat sat on the mat\nA dog barked at the mailman all morning\nBirds sing",
    "ko": "고양이가 매트 위에 앉았다\n강아지가 아침 내내 집배원을 보고 짖었다\n새가 노래한다",
}


# Token vectors are (B, T, D) float32, up to 67 MB each (64 lines × 512 tokens × width 512):
# eight of them keep at most about 0.5 GB; they take milliseconds to make again.
@st.cache_resource(max_entries=8, show_spinner=False)
def cached_vectors(text: str, d: int, seed: int):
    return compute.token_vectors(capped(text), d, seed)


def affine(s: Settings, d: int, *, warn: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """γ and β per feature; `warn` says on the page when a per-feature list was ignored."""
    gamma, beta, ignored = compute.affine(s.gammas, s.betas, s.gamma, s.beta, d)
    if ignored and warn:
        st.warning(t("lab.per_feature_ignored", d=d), icon="⚠️")
    return gamma, beta


def numbers_text(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:g}" for v in values)


def numbers_from(name: str):
    """Parse a per-feature list typed in a box; a bad one keeps the last good list."""

    def parse(text: str) -> tuple[float, ...]:
        parsed = parse_numbers(text)
        return getattr(current(), name) if parsed is None else parsed

    return parse


def norm_controls(per_feature: bool = False) -> None:
    """γ, β, ε, and in the LayerNorm section a γ and β for each feature."""
    controls.norm_controls()
    if per_feature and _per_feature_switch():
        c1, c2 = controls.columns(("gammas", "betas"))  # no gap where a link hides one
        for col, name in ((c1, "gammas"), (c2, "betas")):
            with col:
                widget(
                    st.text_input,
                    t(f"lab.{name}"),
                    name,
                    to_widget=numbers_text,
                    from_widget=numbers_from(name),
                    help=t("lab.per_feature_help"),
                )
        # A box whose text does not parse keeps the text (nothing typed is lost) and says why.
        if any(
            parse_numbers(st.session_state.get(f"w_{n}", "")) is None for n in ("gammas", "betas")
        ):
            st.error(t("lab.bad_numbers", low=LIMITS["gamma"][0], high=LIMITS["gamma"][1]))


def _per_feature_switch() -> bool:
    """The per-feature switch. Switching it off clears both lists, so a lesson link that hides
    either list hides the switch too: the link's lists then decide, and still apply."""
    on = bool(current().gammas or current().betas)
    if hidden("gammas", "betas"):
        return on
    return st.toggle(
        t("lab.per_feature"), key="lab_per_feature", value=on, on_change=_per_feature_switched
    )


def _per_feature_switched() -> None:
    if not st.session_state.get("lab_per_feature"):  # off: back to one γ and β for all
        update(gammas=(), betas=())
        for key in ("w_gammas", "w_betas"):
            st.session_state.pop(key, None)


def sentence_picker(vectors) -> int:
    B = vectors.x.shape[0]
    if B == 1:
        return 0
    return st.selectbox(
        t("follow.sentence"),
        range(B),
        key="lab_sentence",
        format_func=lambda i: (
            f"{i + 1}: " + " ".join(w for w in vectors.batch.tokens[i] if w != PAD)
        ),
    )


def show_code(torch_code: str, keras_code: str) -> None:
    code_panel(lambda: (torch_code, keras_code), key="lab_code")
