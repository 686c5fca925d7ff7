"""The normalization and dropout lab, driven through AppTest by widget key."""

import numpy as np
import pytest
import torch
from app_support import chart, decode, no_exception

from layers import LayerNorm
from lessons.lab.common import SAMPLE_BATCH
from ui.i18n import translate
from ui.safe import md_escape

LAB = "views/lab.py"


def bars(at, key):
    return decode(chart(at, key)["data"][0]["y"])


def heat(at, key):
    return decode(chart(at, key)["data"][0]["z"])


@pytest.mark.parametrize("section", ["layernorm", "compare", "dropout", "residual"])
def test_every_section_draws_without_errors(app, section):
    at = app(LAB, section=section)
    no_exception(at)
    assert not at.error and at.get("plotly_chart")
    assert at.segmented_control(key="w_section").value == section


def test_the_lab_is_reachable_from_the_app(app):
    at = app()
    at.switch_page(LAB).run()
    no_exception(at)
    assert at.title[0].value == translate("en", "lab.title")


def test_tutorial_worked_example_shows_the_librarys_values(app):
    at = app(LAB)
    at.button(key="load_example").click().run()
    no_exception(at)
    assert at.slider(key="w_gamma").value == 2.0 and at.slider(key="w_beta").value == 1.0
    layer = LayerNorm(3)
    with torch.no_grad():
        layer.gamma.fill_(2.0)
        layer.beta.fill_(1.0)
        _, trace = layer(torch.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(bars(at, "ln_x"), [1, 2, 3])
    np.testing.assert_allclose(bars(at, "ln_xhat"), trace.x_hat.numpy(), rtol=1e-6)
    np.testing.assert_allclose(bars(at, "ln_scaled"), trace.scaled.numpy(), rtol=1e-6)
    np.testing.assert_allclose(bars(at, "ln_out"), trace.out.numpy(), rtol=1e-6)
    # … and they are the tutorial's numbers.
    np.testing.assert_allclose(bars(at, "ln_xhat"), [-1.22, 0, 1.22], atol=5e-3)
    np.testing.assert_allclose(bars(at, "ln_scaled"), [-2.45, 0, 2.45], atol=5e-3)
    np.testing.assert_allclose(bars(at, "ln_out"), [-1.45, 1, 3.45], atol=5e-3)
    assert at.query_params["row"] == "example" and at.query_params["gamma"] == "2"


def test_gamma_beta_and_eps_sliders(app):
    at = app(LAB)
    xhat = bars(at, "ln_xhat")
    at.slider(key="w_gamma").set_value(0.5).run()
    at.slider(key="w_beta").set_value(-2.0).run()
    no_exception(at)
    np.testing.assert_allclose(bars(at, "ln_out"), 0.5 * xhat - 2.0, rtol=1e-5, atol=1e-5)
    at.select_slider(key="w_eps").set_value(1.0).run()
    no_exception(at)
    assert np.abs(bars(at, "ln_xhat")).max() < np.abs(xhat).max()  # a big ε shrinks x̂
    assert at.query_params["eps"] == "1"


def test_scale_and_shift_do_not_move_x_hat(app):
    at = app(LAB)
    xhat = bars(at, "ln_xhat")
    at.slider(key="w_scale").set_value(5.0).run()
    at.slider(key="w_shift").set_value(3.0).run()
    no_exception(at)
    assert not np.allclose(bars(at, "ln_x"), bars(app(LAB), "ln_x"))
    np.testing.assert_allclose(bars(at, "ln_xhat"), xhat, atol=1e-4)


def test_choosing_a_token_and_a_flat_row(app):
    at = app(LAB)
    first = bars(at, "ln_x")
    at.selectbox(key="w_token").select_index(2).run()
    no_exception(at)
    assert not np.array_equal(bars(at, "ln_x"), first)
    assert at.query_params["token"] == "2"
    at.segmented_control(key="w_row").set_value("flat").run()
    no_exception(at)
    flat = bars(at, "ln_x")
    assert np.ptp(flat) < 0.01 and abs(flat.mean() - 5) < 0.01


def test_per_feature_gamma(app):
    at = app(LAB, d="4")
    at.toggle(key="lab_per_feature").set_value(True).run()
    at.text_input(key="w_gammas").input("1, 2, 3, 4").run()
    no_exception(at)
    xhat = bars(at, "ln_xhat")
    np.testing.assert_allclose(bars(at, "ln_scaled"), xhat * [1, 2, 3, 4], rtol=1e-5)
    assert at.query_params["gammas"] == "1,2,3,4"
    at.text_input(key="w_gammas").input("1, 2").run()  # neither 1 nor D values
    assert at.warning and "4" in at.warning[0].value
    at.text_input(key="w_gammas").input("1, two").run()  # not numbers: kept, explained
    no_exception(at)
    assert at.error and at.text_input(key="w_gammas").value == "1, two"
    at.toggle(key="lab_per_feature").set_value(False).run()
    assert "gammas" not in at.query_params


def test_compare_offers_divisor_groups_and_shows_each_norms_statistics(app):
    at = app(LAB, section="compare", text="the cat sat\na dog barked loudly")
    no_exception(at)
    assert at.segmented_control(key="w_groups").options == ["1", "2", "4", "8", "16"]
    at.segmented_control(key="w_groups").set_value(8).run()
    no_exception(at)
    assert heat(at, "stats_groupnorm").shape == (2, 8)
    assert heat(at, "stats_layernorm").shape == (2, 4)
    assert bars(at, "stats_batchnorm").shape == (16,)
    assert heat(at, "stats_instancenorm").shape == (2, 16)
    zranges = {
        chart(at, f"cmp_{n}")["data"][0]["zmax"]
        for n in ("layernorm", "batchnorm", "groupnorm", "instancenorm")
    }
    assert len(zranges) == 1  # one shared colour scale
    at.slider(key="w_momentum").set_value(0.5).run()
    no_exception(at)
    assert at.query_params["momentum"] == "0.5"


def test_a_single_sentence_offers_a_sample_batch(app):
    at = app(section="compare")  # through app.py, whose sidebar holds the text
    at.switch_page(LAB).run()
    assert at.info
    at.button(key="sample_batch").click().run()
    no_exception(at)
    assert at.text_area(key="w_text").value == SAMPLE_BATCH["en"]
    assert heat(at, "stats_layernorm").shape[0] == 3


def test_dropout_rate_train_switch_and_scaling(app):
    at = app(LAB, section="dropout")
    low = heat(at, "mask_element")
    at.slider(key="w_p").set_value(0.5).run()
    no_exception(at)
    high = heat(at, "mask_element")
    assert high.sum() < low.sum() and not (high > low).any()
    assert any("1/(1−p)" in m.label and m.value == "2" for m in at.metric)
    feature = heat(at, "mask_feature")
    assert (feature == feature[:1]).all()  # whole features: the same for every token
    at.toggle(key="w_train").set_value(False).run()
    no_exception(at)
    np.testing.assert_array_equal(heat(at, "drop_out"), heat(at, "drop_in"))
    assert at.info


def test_the_scaled_sum_keeps_the_inputs_sum_on_average(app):
    at = app(LAB, section="dropout", p="0.5")
    spec = chart(at, "sums_scaled")
    samples = decode(spec["data"][0]["x"])
    marker = spec["layout"]["shapes"][0]["x0"]
    spread = samples.std() / np.sqrt(len(samples))
    assert abs(samples.mean() - marker) < 5 * spread
    unscaled = decode(chart(at, "sums_raw")["data"][0]["x"])
    assert abs(unscaled.mean() - 0.5 * marker) < 5 * unscaled.std() / np.sqrt(len(unscaled))


def test_residual_sublayers_and_the_shape_mismatch(app):
    at = app(LAB, section="residual")
    no_exception(at)
    total, sub, x = heat(at, "res_sum"), heat(at, "res_sub"), heat(at, "res_x")
    np.testing.assert_allclose(total, x + sub, rtol=1e-5, atol=1e-5)
    at.segmented_control(key="w_sublayer").set_value("wider").run()
    no_exception(at)
    assert at.error and "(1, 10, 16)" in at.error[0].value and "(1, 10, 32)" in at.error[0].value
    at.segmented_control(key="w_sublayer").set_value("attention").run()
    no_exception(at)
    assert not at.error


def test_a_lab_link_restores_the_section_and_its_settings(app):
    at = app(LAB, section="dropout", p="0.45", lang="ko", seed="3")
    no_exception(at)
    assert at.title[0].value == translate("ko", "lab.title")
    assert at.slider(key="w_p").value == 0.45
    assert not at.warning


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("section", "nope"),
        ("row", "x"),
        ("groups", "3"),
        ("momentum", "0"),
        ("gammas", "1,abc"),
        ("token", "-1"),
        ("sublayer", "<b>"),
    ],
)
def test_bad_lab_values_fall_back_with_a_notice(app, name, value):
    at = app(LAB, **{name: value})
    no_exception(at)
    assert len(at.warning) == 1 and f"**{md_escape(name)}**" in at.warning[0].value


def test_a_token_beyond_the_sentence_shows_the_last_one(app):
    at = app(LAB, token="400")
    no_exception(at)
    assert at.selectbox(key="w_token").value == 9


def test_no_words_still_offers_the_worked_example(app):
    at = app(LAB, text="?!", row="example")
    no_exception(at)
    np.testing.assert_allclose(bars(at, "ln_x"), [1, 2, 3])
    at = app(LAB, text="?!", section="dropout")
    no_exception(at)
    assert at.info


def test_the_sentence_picker_switches_every_figure_to_that_sentence(app):
    at = app(LAB, text="the cat sat\na dog barked loudly today")
    first = bars(at, "ln_x")
    at.selectbox(key="lab_sentence").select_index(1).run()
    no_exception(at)
    assert not np.array_equal(bars(at, "ln_x"), first)
    labels = chart(at, "ln_stats")["data"][0]["x"]
    assert [label.split(" · ")[1] for label in labels] == ["a", "dog", "barked", "loudly", "today"]


def test_running_statistics_plots_mean_and_variance(app):
    at = app(LAB, section="compare", text="the cat sat\na dog barked", momentum="1")
    no_exception(at)
    mean_lines = [t for t in chart(at, "running")["data"] if t["mode"] == "lines+markers"]
    var_lines = [t for t in chart(at, "running_var")["data"] if t["mode"] == "lines+markers"]
    assert len(mean_lines) == len(var_lines) == 4
    assert len(decode(mean_lines[0]["y"])) == 30


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_four_norms_on_an_image_batch(app, lang):
    at = app(LAB, section="compare", batch="image", lang=lang)
    no_exception(at)
    assert at.segmented_control(key="w_batch").value == "image"
    keys = {element.key for element in at.get("plotly_chart")}
    norms = ("layernorm", "batchnorm", "groupnorm", "instancenorm")
    assert {"axes_image", *(f"image_out_{n}" for n in norms)} <= keys
    # BatchNorm2d: one mean per channel; LayerNorm([C, H, W]): one per image
    assert len(decode(chart(at, "image_stats_batchnorm")["data"][0]["y"])) == 8
    assert len(decode(chart(at, "image_stats_layernorm")["data"][0]["y"])) == 4
    at.toggle(key="lab_code").set_value(True).run()
    programs = [c.value for c in at.code]
    assert any("nn.BatchNorm2d(8" in p for p in programs)
    assert any("channels-last" in p for p in programs)


def test_the_image_batch_needs_no_sentence(app):
    at = app(LAB, section="compare", batch="image", text="  ")
    no_exception(at)
    assert chart(at, "image_out_batchnorm")


def test_switching_to_images_and_back(app):
    at = app(LAB, section="compare", text="the cat sat\na dog barked")
    at.segmented_control(key="w_batch").set_value("image").run()
    no_exception(at)
    assert chart(at, "axes_image")
    at.segmented_control(key="w_batch").set_value("text").run()
    no_exception(at)
    assert chart(at, "axes")
