"""The Gradients & initialization page, through depth: driven through AppTest by widget key."""

import numpy as np
import pytest
from app_support import chart, decode, no_exception

from layers.gradients import dense_stack_gradients
from lessons.gradients.depth import draw_weights, input_batch
from ui.i18n import translate
from ui.settings import CHOICES
from ui.tex import tex_number

PAGE = "views/gradients.py"


def norms_of(at, name_starts: str) -> np.ndarray:
    """The y values of the gradient-norm line whose legend name starts so."""
    for trace in chart(at, "gradients_norms")["data"]:
        if trace.get("name", "").startswith(name_starts):
            return decode(trace["y"]).astype(np.float64)
    raise KeyError(name_starts)


def latex(at) -> str:
    return "\n".join(element.value for element in at.latex)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_depth_part_draws_in_both_languages(app, lang):
    at = app(PAGE, lang=lang)
    no_exception(at)
    assert at.title[0].value == translate(lang, "gradients.title")
    assert at.segmented_control(key="w_view").value == "depth"
    assert {e.key for e in at.get("plotly_chart")} >= {
        "gradients_norms",
        "gradients_hist",
        "gradients_weights",
    }
    assert not at.error


def test_the_page_is_reachable_from_the_app(app):
    at = app()
    at.switch_page(PAGE).run()
    no_exception(at)
    assert at.title[0].value == translate("en", "gradients.title")


def test_the_chart_shows_the_layers_own_gradient_norms(app):
    at = app(PAGE, act="tanh", init="he_normal", depth="6", width="16", seed="4")
    no_exception(at)
    x = input_batch(16, 4)
    weights, biases = draw_weights("he_normal", 6, 16, 4)
    for activation in CHOICES["act"]:
        _, trace = dense_stack_gradients(x, weights, biases, activation)
        shown = norms_of(at, translate("en", f"gradients.act_{activation}"))
        np.testing.assert_allclose(shown, trace.grad_norm.numpy(), rtol=1e-6)


def test_sigmoid_vanishes_on_screen_with_its_bound_and_product(app):
    at = app(PAGE, depth="12")
    no_exception(at)
    sigmoid = norms_of(at, "Sigmoid")
    assert sigmoid[0] < 1e-4 * sigmoid[-1]  # twelve layers of σ′ ≤ ¼
    bound = norms_of(at, translate("en", "gradients.reference")[:10])
    np.testing.assert_allclose(bound, sigmoid[-1] * 0.25 ** np.arange(11, -1, -1), rtol=1e-5)
    assert r"0.25^{12}" in latex(at)  # the live chain-rule product and its bound


def test_every_depth_control_changes_the_chart(app):
    at = app(PAGE)
    before = norms_of(at, "Sigmoid")
    at.slider(key="w_depth").set_value(20).run()
    no_exception(at)
    assert len(norms_of(at, "Sigmoid")) == 20
    at.slider(key="w_width").set_value(32).run()
    width_32 = norms_of(at, "Sigmoid")
    assert not np.allclose(width_32[-10:], before[-10:])
    at.segmented_control(key="w_act").set_value("relu").run()
    assert chart(at, "gradients_norms")["data"][0]["name"].startswith("ReLU")
    at.selectbox(key="w_init").set_value("he_normal").run()
    he = norms_of(at, "ReLU")
    at.toggle(key="w_bn").set_value(True).run()
    no_exception(at)
    assert not np.allclose(norms_of(at, "ReLU"), he)
    assert at.session_state["_settings"].bn is True
    # Leaky ReLU shows whose slope, and Keras' slope changes the line
    at.segmented_control(key="w_act").set_value("leaky_relu").run()
    torch_slope = norms_of(at, "Leaky")
    at.segmented_control(key="w_leak").set_value("keras").run()
    no_exception(at)
    assert not np.allclose(norms_of(at, "Leaky"), torch_slope)
    assert "0.3" in at.segmented_control(key="w_leak").format_func("keras")


def test_zero_init_says_every_unit_is_the_same(app):
    at = app(PAGE, init="zeros", depth="5")
    no_exception(at)
    warnings = "\n".join(w.value for w in at.warning)
    assert translate("en", "gradients.symmetry").split("**")[1] in warnings
    assert "1, 2, 3, 4 (of 5)" in warnings  # only the last layer's ∂L/∂W is not zero
    at = app(PAGE, init="glorot_uniform")
    assert not at.warning


def test_the_first_layers_weights_stand_against_the_schemes_promise(app):
    at = app(PAGE, init="he_uniform", width="32", depth="12")
    no_exception(at)
    weights = draw_weights("he_uniform", 12, 32, 0)[0]
    pairs = {
        trace["name"]: float(np.nanmax(decode(trace["x"])))
        for trace in chart(at, "gradients_weights")["data"]
        if trace.get("mode") == "lines"
    }
    assert pairs[translate("en", "gradients.theory_std")] == pytest.approx(np.sqrt(2 / 32), 1e-5)
    assert pairs[translate("en", "gradients.limit")] == pytest.approx(np.sqrt(6 / 32), 1e-5)
    measured = pairs[translate("en", "gradients.measured_std")]
    assert measured == pytest.approx(float(weights[0].std(correction=0)), 1e-5)
    bars = chart(at, "gradients_weights")["data"][0]
    assert decode(bars["y"]).sum() == pytest.approx(1.0, 1e-5)  # shares of W₁'s 1,024 entries
    assert r"\sqrt{\tfrac{6}{32}}" in latex(at)
    stds = [float(w.std(correction=0)) for w in draw_weights("he_uniform", 12, 32, 0)[0]]
    low, high = tex_number(min(stds)), tex_number(max(stds))
    assert rf"[{low},\ {high}]\ (l = 1..12)" in latex(at)  # the measured range, every layer


def test_moving_depth_leaves_the_weight_picture_alone(app):
    at = app(PAGE)
    before = chart(at, "gradients_weights")
    at.slider(key="w_depth").set_value(11).run()
    assert chart(at, "gradients_weights") == before  # W₁ does not depend on the depth


@pytest.mark.parametrize(
    "query",
    [
        {"depth": "51"},
        {"width": "7"},
        {"depth": "abc", "act": "softmax", "init": "ones", "leak": "tf", "bn": "maybe"},
        {"view": "nowhere"},
    ],
)
def test_impossible_values_from_a_link_are_said_not_raised(app, query):
    at = app(PAGE, **query)
    no_exception(at)
    assert at.warning  # one notice per value not used
    assert chart(at, "gradients_norms")


def test_the_largest_stack_and_an_exploding_start_stay_on_the_page(app):
    at = app(PAGE, depth="50", width="256", init="normal", act="relu")
    no_exception(at)
    relu = norms_of(at, "ReLU")
    assert len(relu) == 50
    assert not at.error


def test_the_programs_files_are_offered_beside_the_code(app):
    at = app(PAGE)
    keys = {button.key for button in at.get("download_button")}
    assert {"gradients_dl_norms_npy", "gradients_dl_acts_npy"} <= keys
    assert "gradients_dl_weights_npy" not in keys  # only the programs need them
    at.toggle(key="gradients_code").set_value(True).run()
    no_exception(at)
    keys = {button.key for button in at.get("download_button")}
    assert {"gradients_dl_x_npy", "gradients_dl_weights_npy", "gradients_dl_biases_npy"} <= keys
    assert "np.load('weights.npy')" in at.code[1].value  # the Keras program (41,600 weights)
