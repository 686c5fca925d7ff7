"""The Recurrent page's weights part through AppTest: Keras' layout beside PyTorch's for every
cell in both languages, the GRU's reset_after both ways, the maps' numbers, the worked check,
the counts with their formulas, slices of large layers, no text at all, the code panel."""

import numpy as np
import pytest
import torch
from app_support import chart, decode, no_exception, run_app

from lessons.recurrent.common import make_layer
from ui.i18n import translate

PAGE = "views/recurrent.py"
G = {"simplernn": 1, "lstm": 4, "gru": 3}
# Keras' bands in PyTorch's order, written out here from the two libraries' documentation:
# LSTM i, f, c, o = PyTorch's i, f, g, o; GRU z, r, h = PyTorch's bands 1, 0, 2 (r, z, n).
KERAS_FROM_TORCH = {"simplernn": [0], "lstm": [0, 1, 2, 3], "gru": [1, 0, 2]}


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def bands(at, key) -> list[np.ndarray]:
    return [decode(trace["z"]) for trace in chart(at, key)["data"]]


def torch_weights(cell, d=8, units=8, seed=0):
    layer = make_layer(cell, d, units, seed)
    return {name: getattr(layer, name).detach().double() for name in
            ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_every_cell_draws_both_layouts_in_both_languages(cell, lang):
    at = run_app(PAGE, part="weights", cell=cell, lang=lang)
    no_exception(at)
    assert not at.warning and not at.error
    U, D, g = 8, 8, G[cell]
    keras_map, torch_map = (
        chart(at, "recurrent_weights_keras"),
        chart(at, "recurrent_weights_torch"),
    )
    assert keras_map["layout"]["title"]["text"] == translate(
        lang, "recurrent.weights.keras_title", name="kernel", shape=f"({D}, {g * U})"
    )
    assert len(keras_map["data"]) == len(torch_map["data"]) == g
    # The same gate, the same colour, in both layouts.
    keras_names = [a["text"] for a in keras_map["layout"]["annotations"]]
    keras_colors = [a["font"]["color"] for a in keras_map["layout"]["annotations"]]
    torch_colors = [a["font"]["color"] for a in torch_map["layout"]["annotations"]]
    for k, p in enumerate(KERAS_FROM_TORCH[cell]):
        assert keras_colors[k] == torch_colors[p], keras_names[k]
    text = markdown(at)
    assert f"({D}, {g * U})" in text and f"({g * U}, {D})" in text
    assert translate(lang, "recurrent.weights.col_formula") in text


@pytest.mark.parametrize("cell", ["simplernn", "lstm", "gru"])
def test_the_maps_are_the_layers_weights_transposed_and_reordered(cell):
    at = run_app(PAGE, part="weights", cell=cell)
    no_exception(at)
    w = torch_weights(cell)
    U = 8
    keras_bands, torch_bands = (
        bands(at, "recurrent_weights_keras"),
        bands(at, "recurrent_weights_torch"),
    )
    for k, p in enumerate(KERAS_FROM_TORCH[cell]):
        rows = w["weight_ih"][p * U : (p + 1) * U]  # PyTorch's band p: (U, D)
        np.testing.assert_array_equal(torch_bands[p], rows.float().numpy())
        np.testing.assert_array_equal(keras_bands[k], rows.T.float().numpy())  # Keras: (D, U)
    # One colour scale for both maps.
    peak = float(w["weight_ih"].abs().max())
    for key in ("recurrent_weights_keras", "recurrent_weights_torch"):
        axis = chart(at, key)["layout"]["coloraxis"]
        assert axis["cmax"] == pytest.approx(peak) and axis["cmin"] == pytest.approx(-peak)


def test_the_worked_check_names_the_forget_gate_and_its_difference():
    at = run_app(PAGE, part="weights")
    text = markdown(at)
    assert "`kernel[:, 8:16]` = `weight_ih_l0[8:16].T` — f · forget" in text
    assert "**0**" in text
    gru = markdown(run_app(PAGE, part="weights", cell="gru"))
    # The update gate: Keras' first band, PyTorch's second.
    assert "`kernel[:, 0:8]` = `weight_ih_l0[8:16].T` — z · update" in gru


@pytest.mark.parametrize(
    ("cell", "reset_after", "keras_biases"),
    [("simplernn", "1", 1), ("lstm", "1", 1), ("gru", "1", 2), ("gru", "0", 1)],
)
def test_counts_and_their_formulas_are_the_layers(cell, reset_after, keras_biases):
    D, U = 12, 6
    at = run_app(PAGE, part="weights", cell=cell, reset_after=reset_after, d=str(D), units=str(U))
    no_exception(at)
    g = G[cell]
    torch_count = sum(p.numel() for p in make_layer(cell, D, U, 0).parameters())
    assert torch_count == g * (D * U + U * U + 2 * U)
    keras_count = g * (D * U + U * U + keras_biases * U)
    text = markdown(at)
    assert f"**{keras_count:,}**" in text and f"**{torch_count:,}**" in text
    numbers = f"{D}·{U} + {U}·{U} + "
    assert numbers in text
    if cell == "gru" and reset_after == "1":
        assert keras_count == torch_count
        assert translate("en", "recurrent.weights.why_gru_after")[:20] in text
    elif cell == "gru":
        assert torch_count - keras_count == 3 * U
        assert translate("en", "recurrent.weights.why_gru_before", diff=f"{3 * U:,}")[:30] in text
        assert any("no PyTorch GRU" in c.value for c in at.caption)
    else:
        assert torch_count - keras_count == g * U


def test_the_reset_after_switch_changes_the_keras_bias_and_the_link():
    at = run_app(PAGE, part="weights", cell="gru")
    no_exception(at)
    assert "(2, 3U) = (2, 24)" in markdown(at)
    at.toggle(key="w_reset_after").set_value(False).run()
    no_exception(at)
    assert at.query_params["reset_after"] == "0"
    text = markdown(at)
    assert "(3U,) = (24,)" in text and "reset_after=False" in text
    assert not any(t.key == "w_reset_after" for t in run_app(PAGE, part="weights").toggle)


@pytest.mark.parametrize("reset_after", ["1", "0"])
def test_the_bias_maps_hold_the_keras_biases(reset_after):
    at = run_app(PAGE, part="weights", cell="gru", reset_after=reset_after)
    at.segmented_control(key="recurrent_weights_kind").set_value("bias").run()
    no_exception(at)
    w = torch_weights("gru")
    U = 8
    keras_bands = bands(at, "recurrent_weights_keras")
    for k, p in enumerate(KERAS_FROM_TORCH["gru"]):
        b_ih, b_hh = w["bias_ih"][p * U : (p + 1) * U], w["bias_hh"][p * U : (p + 1) * U]
        if reset_after == "1":  # two rows: [input; recurrent]
            expected = torch.stack([b_ih, b_hh]).float().numpy()
        else:  # one row: the sum (z, r exact; the candidate only where r = 1)
            expected = (b_ih.float() + b_hh.float()).numpy()[None, :]
        np.testing.assert_allclose(keras_bands[k], expected, atol=1e-7)
    torch_bands = bands(at, "recurrent_weights_torch")
    np.testing.assert_array_equal(
        torch_bands[0], torch.stack([w["bias_ih"][:U], w["bias_hh"][:U]], 1).float().numpy()
    )
    rows = markdown(at)
    if reset_after == "1":
        assert "`bias[1, 0:8]` | `bias_hh_l0[8:16]`" in rows
    else:
        assert "`bias[0:8]` | `bias_ih_l0[8:16] + bias_hh_l0[8:16]`" in rows
    labels = [b.label for b in at.get("download_button")]
    assert any("torch_bias_hh_l0" in label for label in labels)


def test_the_recurrent_kernels_are_u_by_g_u():
    at = run_app(PAGE, part="weights", units="4")
    at.segmented_control(key="recurrent_weights_kind").set_value("recurrent").run()
    no_exception(at)
    w = torch_weights("lstm", units=4)
    keras_bands = bands(at, "recurrent_weights_keras")
    np.testing.assert_array_equal(keras_bands[1], w["weight_hh"][4:8].T.float().numpy())
    assert "`recurrent_kernel[:, 4:8]` = `weight_hh_l0[4:8].T`" in markdown(at)


def test_a_large_layer_is_sliced_by_gate_with_a_note_and_every_number_downloadable():
    at = run_app(PAGE, part="weights", d="512", units="512")
    no_exception(at)
    keras_bands = bands(at, "recurrent_weights_keras")
    assert [b.shape for b in keras_bands] == [(128, 32)] * 4  # 32 units of each gate, 128 rows
    w = torch_weights("lstm", d=512, units=512)
    np.testing.assert_array_equal(keras_bands[2], w["weight_ih"][1024:1056, :128].T.float())
    shown = translate("en", "recurrent.weights.and").join(
        [
            translate("en", "recurrent.weights.sliced_units", k=32, U=512),
            translate("en", "recurrent.weights.sliced_rows", rows=128, total=512),
        ]
    )
    note = translate("en", "recurrent.weights.sliced", shown=shown)
    assert note in [c.value for c in at.caption]
    tutorial = run_app(PAGE, part="weights", d="100", units="64")  # 100 rows are all shown
    captions = [c.value for c in tutorial.caption]
    units_only = translate("en", "recurrent.weights.sliced_units", k=32, U=64)
    assert translate("en", "recurrent.weights.sliced", shown=units_only) in captions
    labels = [b.label for b in at.get("download_button")]
    assert any("keras_kernel (512, 2048)" in label for label in labels)
    assert any("torch_weight_ih_l0 (2048, 512)" in label for label in labels)


@pytest.mark.parametrize("text", ["", "   \n  ", "?!"])
def test_no_text_still_shows_the_weights(text):
    at = run_app(PAGE, part="weights", text=text, cell="simplernn")
    no_exception(at)
    assert not any(t.key == "w_punct" for t in at.toggle)  # the text does not matter here
    assert len(bands(at, "recurrent_weights_keras")) == 1
    assert translate("en", "recurrent.weights.any_text") in [c.value for c in at.caption]


def test_presentation_mode_stacks_the_maps_with_larger_type():
    normal = run_app(PAGE, part="weights")
    present = run_app(PAGE, part="weights", present="1")
    no_exception(present)
    size = chart(present, "recurrent_weights_torch")["layout"]["font"]["size"]
    assert size > chart(normal, "recurrent_weights_torch")["layout"]["font"]["size"]


def test_the_code_panel_shows_both_programs_for_the_chosen_gru():
    at = run_app(PAGE, part="weights", cell="gru", reset_after="0")
    assert not at.code
    at.toggle(key="recurrent_code_weights").set_value(True).run()
    no_exception(at)
    torch_code, keras_code = (c.value for c in at.code)
    assert "nn.GRU(D, U, batch_first=True)" in torch_code
    assert "keras.layers.GRU(U, reset_after=False)" in keras_code
