"""The four norms on an image batch (B, C, H, W): BatchNorm2d, LayerNorm([C, H, W]),
GroupNorm and InstanceNorm2d, and which cells share one mean."""

from __future__ import annotations

import streamlit as st

import viz
from ui.blocks import chart, f32, heatmap
from ui.downloads import downloads
from ui.i18n import t
from ui.settings import Settings
from ui.shell import explain

from . import code, compute
from .common import affine, norm_controls, show_code

NORMS = ("layernorm", "batchnorm", "groupnorm", "instancenorm")
SHOWN_POSITIONS = 4  # cells drawn for each channel's H·W plane in the picture


def image_section(s: Settings) -> None:
    """The image half of "Four normalizations": its own seeded batch, the same γ, β, ε, groups."""
    explain(t("lab.image_idea"))
    x = compute.image_batch(s.seed)  # (B, C, H, W)
    B, C, H, W = x.shape
    options = [g for g in range(1, C + 1) if C % g == 0]
    groups = s.groups if C % s.groups == 0 else max(g for g in options if g <= s.groups)
    if groups != s.groups:
        st.caption(t("lab.image_groups", groups=s.groups, C=C, used=groups))
    norm_controls()
    gamma, beta = affine(s, C)
    compared = compute.compare_image_norms(x, groups, s.eps, gamma, beta)
    present = s.present
    st.markdown(f":blue-badge[(B, C, H, W) = {(B, C, H, W)}] :gray-badge[G = {groups}]")

    st.markdown(f"##### {t('lab.axes_heading')}")
    chart(
        viz.norm_axes_diagram(
            B,
            1,
            C,
            groups,
            positions=SHOWN_POSITIONS,
            titles={n: t(f"lab.norm_image.{n}") for n in NORMS},
            row_label=t("lab.image_row"),
            x_title=t("lab.image_x"),
            presentation=present,
        ),
        "axes_image",
    )
    st.caption(t("lab.image_axes_caption", B=B, C=C, H=H, W=W, G=groups, P=SHOWN_POSITIONS))

    st.markdown(f"##### {t('lab.stats_heading')}")
    images = [t("lab.image_n", n=i + 1) for i in range(B)]
    cols = st.columns(2)
    for k, name in enumerate(NORMS):
        mean = compared.means[name]
        title = t("lab.stats_title", name=t(f"lab.norm_image.{name}"), shape=tuple(mean.shape))
        with cols[k % 2]:
            if mean.dim() == 1:
                chart(
                    viz.feature_bars(
                        f32(mean),
                        title=title,
                        x_title=t(
                            "lab.image_axis_image"
                            if name == "layernorm"
                            else "lab.image_axis_channel"
                        ),
                        y_title="μ",
                        presentation=present,
                    ),
                    f"image_stats_{name}",
                )
            else:
                heatmap(
                    f32(mean),
                    images,
                    key=f"image_stats_{name}",
                    title=title,
                    y_title=t("lab.image_axis_image"),
                    x_title=t(
                        "lab.image_axis_group" if name == "groupnorm" else "lab.image_axis_channel"
                    ),
                )

    st.markdown(f"##### {t('lab.image_outputs_heading')}")
    channels = [t("lab.image_channel", c=c) for c in range(C)]
    peak = max(float(o[0].abs().max()) for o in compared.outputs.values()) or 1.0
    cols = st.columns(2)
    for k, name in enumerate(NORMS):
        with cols[k % 2]:
            heatmap(
                f32(compared.outputs[name][0].reshape(C, H * W)),  # (C, H, W) -> (C, H·W)
                channels,
                key=f"image_out_{name}",
                title=t(f"lab.norm_image.{name}"),
                y_title=t("lab.image_axis_channel"),
                x_title=t("lab.image_axis_position", H=H, W=W),
                zrange=(-peak, peak),
            )
    st.caption(t("lab.image_outputs_caption", peak=f"{peak:.3g}"))

    downloads("images", x, "dl_images")
    for name, out in compared.outputs.items():
        downloads(f"{name}_2d", out, f"dl_image_{name}")
    show_code(
        code.compare_image_torch(x, groups, s.eps, gamma, beta),
        code.compare_image_keras(x, groups, s.eps, gamma, beta),
    )
