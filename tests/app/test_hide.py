"""The teacher's link: `hide=` takes controls off the page while the link's values still apply,
and every chart can be saved as a PNG from its toolbar (none in presentation mode)."""

import json

import numpy as np
import pytest
from app_support import chart, decode, no_exception

from ui.i18n import translate
from ui.settings import DEFAULT_TEXT
from ui.shell import PNG_SCALE

LAB = "views/lab.py"
MODEL = ("w_d", "w_heads", "w_units", "w_p", "w_train", "w_causal", "w_gamma", "w_beta", "w_eps")


def keys(at) -> set[str]:
    """The key of every element on the page (widgets, charts, buttons), sidebar included."""
    found: set[str] = set()

    def walk(node) -> None:
        if getattr(node, "key", None):
            found.add(node.key)
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else ():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return found


def heat(at, key):
    return decode(chart(at, key)["data"][0]["z"])


def bars(at, key):
    return decode(chart(at, key)["data"][0]["y"])


def subheaders(at) -> list[str]:
    return [element.value for element in at.subheader]


def code_panels(at) -> list:
    """The "show the code" switches on the page (a switch opens the PyTorch and Keras code)."""
    return [e for e in at.toggle if e.label == translate("en", "code.title")]


# --------------------------------------------------------------------------- Follow a sentence


def test_hidden_width_heads_and_units_keep_the_links_values(app):
    at = app(hide="d,heads,units", d="32")
    no_exception(at)
    assert not at.warning
    assert not {"w_d", "w_heads", "w_units"} & keys(at)
    assert {"w_p", "w_train", "w_gamma", "w_beta", "w_eps", "w_causal"} <= keys(at)
    assert heat(at, "out0").shape[-1] == 32  # the embedding is D = 32 wide, as the link says
    summary = next(m.value for m in at.markdown if m.value.startswith("| #"))
    embed_row = next(line for line in summary.splitlines() if "`embed`" in line)
    assert "(1, 10, 32)" in embed_row  # the summary's width too
    assert at.query_params["hide"] == "d,heads,units" and at.query_params["d"] == "32"
    # The heads caption belongs to the hidden heads control.
    note = translate("en", "control.heads_note", d=16, Dh=4)  # U = 16 reaches attention
    assert note not in [caption.value for caption in at.caption]
    assert note in [caption.value for caption in app().caption]


def test_a_visible_control_still_works_beside_hidden_ones(app):
    at = app(hide="d,heads,units", d="32")
    low = heat(at, "inner3")
    at.slider(key="w_p").set_value(0.6).run()
    no_exception(at)
    assert heat(at, "inner3").sum() < low.sum()
    assert heat(at, "out0").shape[-1] == 32
    assert at.query_params["p"] == "0.6" and at.query_params["hide"] == "d,heads,units"


def test_hiding_every_model_control_leaves_no_empty_box(app):
    at = app(hide="d,heads,units,p,train,causal,gamma,beta,eps", p="0.5", gamma="2")
    no_exception(at)
    assert not set(MODEL) & keys(at)
    assert translate("en", "follow.controls") not in subheaders(at)
    assert translate("en", "follow.stack") in subheaders(at)
    assert at.query_params["p"] == "0.5" and at.query_params["gamma"] == "2"


def test_hide_stack_hides_the_whole_stack_editor(app):
    at = app(hide="stack", stack="embed,gru,attention")
    no_exception(at)
    assert not {"stk_preset", "stk_add", "edit_stack"} & keys(at)
    assert translate("en", "follow.stack") not in subheaders(at)
    assert {"out0", "out1", "out2"} <= keys(at) and "out3" not in keys(at)  # the link's stack
    assert at.query_params["stack"] == "embed,gru,attention"


def test_hidden_text_box_still_gives_the_links_text(app):
    at = app(hide="text", text="Attention is all you need")
    no_exception(at)
    assert "w_text" not in keys(at)
    labels = chart(at, "out0")["data"][0]["y"]
    assert [label.split(" · ")[1] for label in labels] == ["attention", "is", "all", "you", "need"]
    assert at.query_params["text"] == "Attention is all you need"


def test_hidden_sidebar_controls_and_a_language_switch(app):
    at = app(hide="text,seed,present", seed="7")
    no_exception(at)
    assert not {"w_text", "w_seed", "w_present"} & keys(at)
    assert {"w_lang", "reset"} <= keys(at)
    at.segmented_control(key="w_lang").set_value("ko").run()
    no_exception(at)
    assert at.title[0].value == translate("ko", "follow.title")
    korean = chart(app(lang="ko", seed="7"), "out0")["data"][0]["y"]
    assert chart(at, "out0")["data"][0]["y"] == korean  # the hidden text followed the language
    assert at.query_params["lang"] == "ko" and at.query_params["seed"] == "7"
    assert at.query_params["hide"] == "text,seed,present"


def test_hide_code_hides_the_code_panels(app):
    assert code_panels(app())
    at = app(hide="code")
    no_exception(at)
    assert not code_panels(at)
    at = app(LAB, hide="code")
    no_exception(at)
    assert not code_panels(at)


def test_reset_keeps_the_hiding_and_the_hidden_values(app):
    at = app(hide="d,heads", d="32", heads="8", p="0.5")
    at.button(key="reset").click().run()
    no_exception(at)
    assert at.slider(key="w_p").value == 0.2 and "p" not in at.query_params  # visible: reset
    assert at.query_params["d"] == "32" and at.query_params["heads"] == "8"  # hidden: kept
    assert at.query_params["hide"] == "d,heads"
    assert not {"w_d", "w_heads"} & keys(at)
    assert heat(at, "out0").shape[-1] == 32


@pytest.mark.parametrize("hide", ["d,wings", "D, wings ,,", "wings;d"])
def test_an_unknown_name_is_ignored_with_one_notice(app, hide):
    at = app(hide=hide)
    no_exception(at)
    assert len(at.warning) == 1 and "wings" in at.warning[0].value
    assert "w_d" not in keys(at) and "out0" in keys(at)
    assert at.query_params["hide"] == "d"  # written back in its tidy form


def test_an_empty_hide_hides_nothing(app):
    at = app(hide="")
    no_exception(at)
    assert not at.warning and set(MODEL) <= keys(at)
    assert "hide" not in at.query_params


def test_hiding_in_korean_and_in_presentation_mode(app):
    at = app(hide="d,units,wings", lang="ko", present="1")
    no_exception(at)
    assert at.title[0].value == translate("ko", "follow.title")
    assert len(at.warning) == 1 and "wings" in at.warning[0].value
    assert not {"w_d", "w_units"} & keys(at) and "w_heads" in keys(at)


# --------------------------------------------------------------------------- the lab


def test_lab_norm_controls_and_section_hidden(app):
    at = app(LAB, hide="gamma,beta,eps,section", gamma="2", beta="1", eps="0.001")
    no_exception(at)
    assert not {"w_gamma", "w_beta", "w_eps", "w_section"} & keys(at)
    assert "load_example" not in keys(at)  # it would set the hidden γ and β
    assert {"w_row", "w_token", "w_scale", "w_shift", "lab_per_feature"} <= keys(at)
    np.testing.assert_allclose(bars(at, "ln_out"), 2 * bars(at, "ln_xhat") + 1, rtol=1e-5)
    assert at.query_params["gamma"] == "2" and at.query_params["hide"] == "gamma,beta,eps,section"


def test_lab_hidden_section_switch_keeps_the_links_section(app):
    at = app(LAB, hide="section,groups,momentum", section="compare", groups="2")
    no_exception(at)
    assert not {"w_section", "w_groups", "w_momentum"} & keys(at)
    assert heat(at, "stats_groupnorm").shape[-1] == 2  # the link's two groups
    assert {"w_gamma", "w_beta", "w_eps"} <= keys(at)


def test_lab_hidden_text_hides_the_sample_batch_button(app):
    assert "sample_batch" in keys(app(LAB, section="compare"))
    at = app(LAB, section="compare", hide="text")
    no_exception(at)
    assert "sample_batch" not in keys(at) and "w_text" not in keys(at)


def test_lab_hidden_row_token_scale_and_shift(app):
    at = app(LAB, hide="row,token,scale,shift", token="2", scale="3")
    no_exception(at)
    assert not {"w_row", "w_token", "w_scale", "w_shift", "load_example"} & keys(at)
    shown = app(LAB, token="2", scale="3")
    np.testing.assert_allclose(bars(at, "ln_x"), bars(shown, "ln_x"))


def test_lab_hidden_per_feature_list_still_applies(app):
    at = app(LAB, d="4", gammas="1,2,3,4", hide="gammas")
    no_exception(at)
    assert not {"w_gammas", "lab_per_feature"} & keys(at)  # switching off would clear it
    assert "w_betas" in keys(at)
    np.testing.assert_allclose(bars(at, "ln_scaled"), bars(at, "ln_xhat") * [1, 2, 3, 4], rtol=1e-5)
    at = app(LAB, hide="gammas,betas")
    no_exception(at)
    assert not {"w_gammas", "w_betas", "lab_per_feature"} & keys(at)


def test_lab_dropout_and_residual_controls_hidden(app):
    at = app(LAB, section="dropout", hide="p,train", p="0.5")
    no_exception(at)
    assert not {"w_p", "w_train"} & keys(at)
    assert at.metric[0].label == "p" and at.metric[0].value == "0.5"  # the link's rate
    at = app(LAB, section="residual", hide="sublayer", sublayer="wider")
    no_exception(at)
    assert "w_sublayer" not in keys(at)
    assert at.error  # the link's wider sublayer: Add & Norm's shapes do not match


# --------------------------------------------------------------------------- charts saved as PNG


def configs(at) -> dict[str, dict]:
    return {element.key: json.loads(element.proto.config) for element in at.get("plotly_chart")}


@pytest.mark.parametrize("page", ["app.py", LAB])
def test_every_chart_offers_only_a_png_button_named_for_it(app, page):
    at = app(page)
    for key, config in configs(at).items():
        assert config["displayModeBar"] == "hover"
        assert config["modeBarButtons"] == [["toImage"]] and config["displaylogo"] is False
        options = config["toImageButtonOptions"]
        assert options["format"] == "png" and options["scale"] >= 2
        assert options["filename"] == f"layerscope-{key}"
        words = config["locales"]["en-US"]["dictionary"]
        assert words["Download plot as a PNG"] == translate("en", "chart.save_png")


def test_the_png_button_speaks_korean(app):
    at = app(lang="ko")
    config = configs(at)["out0"]
    words = config["locales"]["en-US"]["dictionary"]
    assert words["Download plot as a PNG"] == translate("ko", "chart.save_png")
    assert config["toImageButtonOptions"]["scale"] == PNG_SCALE


@pytest.mark.parametrize("page", ["app.py", LAB])
def test_presentation_mode_has_no_chart_toolbar(app, page):
    at = app(page, present="1")
    no_exception(at)
    assert configs(at)
    assert all(config["displayModeBar"] is False for config in configs(at).values())
    assert not any("toImageButtonOptions" in config for config in configs(at).values())


def test_a_hidden_default_sentence_stays_out_of_the_link(app):
    at = app(hide="text")
    assert "text" not in at.query_params
    assert at.query_params["hide"] == "text"
    assert len(chart(at, "out0")["data"][0]["y"]) == len(DEFAULT_TEXT["en"].split())
