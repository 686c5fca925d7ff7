"""The Gradients page, clipping part: driven through AppTest by widget key, in both languages."""

import itertools

import numpy as np
import pytest
from app_support import chart, decode, no_exception

from layers.clipping import (
    FIXED_LINE,
    KERAS3_LR_ERROR,
    TUTORIAL_LINE,
    clip_by_global_norm,
    clip_by_norm,
    clip_by_value,
    clipped_sgd,
    exploding_setup,
    setup_gradients,
)
from lessons.gradients.clipping import LEARNING_RATE, NORM_GRID, STEPS, VALUE_GRID, plain
from ui.i18n import translate

PAGE = "views/gradients.py"
BARS, LOSS = "gradients_clip_bars", "gradients_clip_loss"


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def latex(at) -> str:
    return "\n".join(m.value for m in at.latex)


def bars(at) -> dict[str, np.ndarray]:
    """Legend name -> the bar heights, for the per-variable norms chart."""
    return {
        trace["name"]: decode(trace["y"]).astype(np.float64) for trace in chart(at, BARS)["data"]
    }


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_clip_part_draws_in_both_languages(app, lang):
    at = app(PAGE, view="clip", lang=lang)
    no_exception(at)
    assert at.title[0].value == translate(lang, "gradients.title")
    assert at.segmented_control(key="w_view").value == "clip"
    assert not at.error
    assert chart(at, BARS) and chart(at, LOSS)
    names = {translate(lang, f"gradients.clip_m_{m}") for m in ("clipnorm", "clipvalue")}
    assert names | {translate(lang, "gradients.clip_before")} <= set(bars(at))
    assert translate(lang, "gradients.clip_run_title") in [h.value for h in at.subheader]
    codes = [c.value for c in at.code]
    assert TUTORIAL_LINE in codes and KERAS3_LR_ERROR in codes and FIXED_LINE in codes
    labels = [m.label for m in at.metric]
    assert translate(lang, "gradients.clip_m_global_clipnorm") in labels


def test_the_page_shows_the_layers_own_numbers(app):
    at = app(PAGE, view="clip")
    setup = exploding_setup(0)
    grads, loss = setup_gradients(setup)
    _, by_norm = clip_by_norm(grads, 1.0)
    _, by_global = clip_by_global_norm(grads, 1.0, style="torch")
    _, by_value = clip_by_value(grads, 0.5)
    shown = bars(at)
    np.testing.assert_allclose(
        shown[translate("en", "gradients.clip_before")], by_norm.norms_before.numpy(), rtol=1e-6
    )
    np.testing.assert_allclose(
        shown[translate("en", "gradients.clip_m_clipnorm")], by_norm.norms_after, rtol=1e-6
    )
    np.testing.assert_allclose(
        shown[translate("en", "gradients.clip_m_global_clipnorm")],
        by_global.norms_after,
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        shown[translate("en", "gradients.clip_m_clipvalue")], by_value.norms_after, rtol=1e-6
    )
    assert chart(at, BARS)["layout"]["yaxis"]["type"] == "log"  # norms span decades
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[translate("en", "gradients.clip_m_global_clipnorm")] == "1.0000"
    assert metrics[translate("en", "gradients.clip_m_clipvalue")] == f"{by_value.cosine:.4f}"
    assert metrics[translate("en", "gradients.clip_m_clipnorm")] == f"{by_norm.cosine:.4f}"
    assert by_value.cosine < 0.9  # value clipping bends the step visibly at the defaults
    formulas = latex(at)
    assert r"\frac{1}{2.32 \times 10^{4}}" in formulas  # scale = min(1, c / N), N live
    cut = sum(int((g.abs() > 0.5).sum()) for g in grads)
    assert f"{cut} / 1088" in formulas
    assert plain(float(by_global.total_norm)) in text(at)
    assert plain(float(loss)) in text(at)


def test_without_clipping_the_run_hits_nan_and_the_page_says_when(app):
    at = app(PAGE, view="clip", seed="5")
    no_exception(at)
    plain_run = clipped_sgd(exploding_setup(5), "none", learning_rate=LEARNING_RATE, steps=STEPS)
    assert plain_run.first_bad is not None
    assert f"**{plain_run.first_bad}**" in text(at)
    data = chart(at, LOSS)["data"]
    name = translate("en", "gradients.clip_m_none")
    line = next(t for t in data if t["name"] == name and t["mode"] == "lines")
    assert len(decode(line["x"])) == plain_run.first_bad - 1  # the line stops at the overflow
    marker = next(t for t in data if t["name"] == name and t["mode"] == "markers+text")
    assert marker["text"][0] in ("NaN", "inf")
    for method in ("clipnorm", "global_clipnorm", "clipvalue"):
        clipped = next(
            t for t in data if t["name"] == translate("en", f"gradients.clip_m_{method}")
        )
        y = decode(clipped["y"])
        assert len(y) == STEPS and np.isfinite(y).all()


def _steps_change_the_bars(at, key: str, grid) -> None:
    seen = [bars(at)]
    for value in grid:
        at.select_slider(key=key).set_value(value).run()
        no_exception(at)
        seen.append(bars(at))
    for before, after in itertools.pairwise(seen):
        assert any(not np.array_equal(before[k], after[k]) for k in after)


def test_every_step_of_the_norm_limit_changes_the_bars_and_the_run(app):
    at = app(PAGE, view="clip", clipnorm="0.01")
    slider = at.select_slider(key="w_clipnorm")
    assert [float(o) for o in slider.options] == list(NORM_GRID)
    loss_before = chart(at, LOSS)
    _steps_change_the_bars(at, "w_clipnorm", NORM_GRID[1:])
    assert at.session_state["_settings"].clipnorm == 100.0
    assert chart(at, LOSS) != loss_before
    assert r"\frac{100}{" in latex(at)


def test_every_step_of_the_value_limit_changes_the_bars(app):
    at = app(PAGE, view="clip", clipvalue="0.001")
    assert [float(o) for o in at.select_slider(key="w_clipvalue").options] == list(VALUE_GRID)
    _steps_change_the_bars(at, "w_clipvalue", VALUE_GRID[1:])
    assert at.session_state["_settings"].clipvalue == 100.0


def test_a_link_between_the_steps_is_kept_and_can_be_left(app):
    at = app(PAGE, view="clip", clipnorm="0.37", clipvalue="3.3")
    no_exception(at)
    assert at.select_slider(key="w_clipnorm").value == 0.37
    assert at.select_slider(key="w_clipvalue").value == 3.3
    assert r"\frac{0.37}{" in latex(at)
    assert not at.warning
    at.select_slider(key="w_clipnorm").set_value(0.5).run()
    no_exception(at)
    assert at.session_state["_settings"].clipnorm == 0.5
    assert at.select_slider(key="w_clipnorm").value == 0.5


def test_seed_changes_the_setup(app):
    at = app(PAGE, view="clip")
    first = chart(at, BARS)
    other = app(PAGE, view="clip", seed="7")
    no_exception(other)
    assert chart(other, BARS) != first


@pytest.mark.parametrize(
    "query",
    [
        {"clipnorm": "0"},
        {"clipnorm": "1000"},
        {"clipnorm": "abc", "clipvalue": "-1"},
        {"clipvalue": "nan"},
        {"clipnorm": "inf"},
    ],
)
def test_impossible_values_from_a_link_are_said_not_raised(app, query):
    at = app(PAGE, view="clip", **query)
    no_exception(at)
    assert at.warning  # one notice per value not used
    assert chart(at, BARS) and chart(at, LOSS)
    settings = at.session_state["_settings"]
    assert (settings.clipnorm, settings.clipvalue) == (1.0, 0.5)  # the defaults stand in


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_code_panel_opens_with_both_programs(app, lang):
    at = app(PAGE, view="clip", lang=lang, clipnorm="2")
    at.toggle(key="gradients_code").set_value(True).run()
    no_exception(at)
    codes = "\n".join(c.value for c in at.code)
    assert "nn.utils.clip_grad_norm_(model.parameters(), clipnorm)" in codes
    assert "applied(global_clipnorm=clipnorm)" in codes
    assert "clipnorm = 2.0  #" in codes


def test_presentation_mode_and_a_hidden_control(app):
    at = app(PAGE, view="clip", present="1", hide="clipnorm")
    no_exception(at)
    assert not [s for s in at.select_slider if s.key == "w_clipnorm"]
    assert at.select_slider(key="w_clipvalue")
    assert chart(at, BARS)
