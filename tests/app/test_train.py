"""The Train page through AppTest, in both languages: every step renders, a short fit from a
lesson link (?epochs=2) trains once and shows what `fit` printed, evaluate and predict show the
trained model's own numbers, a loaded model round-trips, and the teacher's own lines work."""

import numpy as np
import pytest
import torch
from app_support import chart, decode, no_exception, run_app

from layers.training import evaluate, predict
from lessons.train import data, model_file
from lessons.train.common import LOADED, OWN, fit_spec, trainer
from lessons.train.jobs import FINISHED
from lessons.train.prep import encode
from ui.i18n import translate
from ui.settings import CHOICES, parse_query

PAGE = "views/train.py"
FIT_SECONDS = 120  # generous: CI may run other tests beside this one


def settings_of(**query):
    return parse_query({k: str(v) for k, v in query.items()}, "train")[0]


def text(at) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [str(e.value) for e in (*at.info, *at.success, *at.warning, *at.error)]
        + [m.value for m in at.caption]
    )


def codes(at) -> str:
    return "\n".join(c.value for c in at.code)


def fit(at, **query):
    """Press Fit and wait for the class's run (one background training) to finish."""
    at.button(key="train_fit").click().run()
    no_exception(at)
    s = settings_of(**query)
    run = trainer().get(fit_spec(s, data.shipped(s.data or s.lang)))
    assert run is not None, "pressing Fit queued no run"
    assert trainer().wait(run, FIT_SECONDS), "the run did not finish"
    at.run()
    no_exception(at)
    return run


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("step", CHOICES["step"])
def test_every_step_renders_in_both_languages(step, lang):
    at = run_app(PAGE, step=step, lang=lang)
    no_exception(at)
    assert at.title[0].value == translate(lang, "train.title")
    assert at.segmented_control(key="w_step").value == step


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_short_fit_from_a_lesson_link_then_evaluate_predict_and_a_round_trip(lang):
    query = {"step": "fit", "epochs": 2, "lang": lang, "seed": 11}
    at = run_app(PAGE, **query)
    no_exception(at)
    assert "epochs=2" in codes(at)
    run = fit(at, **query)
    assert run.status == "done" and len(run.history.loss) == 2
    # What the page printed is the run's own history, in Keras' words.
    printed = codes(at)
    assert "Epoch 2/2" in printed
    for key in ("accuracy", "loss", "val_accuracy", "val_loss"):
        assert f"{key}: {getattr(run.history, key)[-1]:.4f}" in printed
    table = at.dataframe[-1].value
    assert list(table.columns) == [
        "epoch",
        "accuracy",
        "loss",
        "val_accuracy",
        "val_loss",
        "seconds",
    ]
    np.testing.assert_allclose(table["loss"], np.round(run.history.loss, 4))
    loss_chart = chart(at, "train_loss")["data"]
    np.testing.assert_allclose(decode(loss_chart[0]["y"]), run.history.loss, rtol=1e-6)
    assert translate(lang, "train.done").split("{")[0] in text(at)

    # Evaluate: the trained model's numbers on the test part.
    at.segmented_control(key="w_step").set_value("eval").run()
    no_exception(at)
    s = settings_of(**query)
    ds = data.shipped(lang)
    from lessons.train.common import _prepared, prep_key

    prep = _prepared(prep_key(s, ds), ds.texts, ds.labels)
    loss, accuracy = evaluate(run.model, prep.x["test"], prep.y["test"])
    assert f"→ [{loss:.4f}, {accuracy:.4f}]" in codes(at)
    matrix = decode(chart(at, "train_confusion")["data"][0]["z"])
    assert matrix.sum() == len(prep.parts["test"])
    # Predict a typed sentence: the page's probability is the model's.
    typed = "great, just great" if lang == "en" else "정말 최고의 영화"
    at.text_area(key="w_review").input(typed).run()
    no_exception(at)
    p = float(predict(run.model, encode(prep.tokenizer, typed, s.fit_maxlen)[2])[0, 0])
    assert f"→ [[{p:.4f}]]" in codes(at)

    # Save and load: the file's model predicts the test part exactly as the trained one.
    at.segmented_control(key="w_step").set_value("save").run()
    no_exception(at)
    assert any(b.key == "train_download" for b in at.get("download_button"))
    payload = model_file.to_bytes(run.model, prep.tokenizer)
    at.session_state[LOADED] = (model_file.from_bytes(payload), "sentiment-model.safetensors")
    at.run()
    no_exception(at)
    same = translate(lang, "train.round_trip_same").split("{")[0]
    assert same in text(at)


def test_the_same_settings_share_one_run_across_sessions():
    query = {"step": "fit", "epochs": 1, "seed": 12}
    first = run_app(PAGE, **query)
    run = fit(first, **query)
    second = run_app(PAGE, **query)  # another student, same link: no training, the same result
    no_exception(second)
    assert trainer().get(fit_spec(settings_of(**query), data.shipped("en"))) is run
    assert f"loss: {run.history.loss[0]:.4f}" in codes(second)
    assert translate("en", "train.cached") in text(second)


def test_a_changed_setting_is_a_different_run():
    a = fit_spec(settings_of(epochs=2), data.shipped("en"))
    b = fit_spec(settings_of(epochs=2, batch=64), data.shipped("en"))
    c = fit_spec(settings_of(epochs=2, maxlen=20), data.shipped("en"))
    assert len({a, b, c}) == 3


OWN_LINES = "\n".join(
    [f"1\tgreat product number {i}, I love it" for i in range(15)]
    + [f"0\tawful product number {i}, I hate it" for i in range(15)]
    + ["maybe\tnot a label", "1", "0\t"]
)


def test_own_lines_are_used_and_bad_rows_listed_with_their_line_numbers():
    at = run_app(PAGE, step="data", data="own")
    no_exception(at)
    assert translate("en", "train.need_data") in text(at)
    at.text_area(key="train_paste").input(OWN_LINES).run()
    at.button(key="train_use_paste").click().run()
    no_exception(at)
    parsed = at.session_state[OWN]
    assert parsed.dataset is not None and len(parsed.dataset) == 30
    bad = at.dataframe[0].value
    assert list(bad.iloc[:, 0]) == [31, 32, 33]  # 1-based lines, as an editor numbers them
    assert translate("en", "train.own_ok").split("{")[0] in text(at)
    assert chart(at, "train_balance")["data"]
    # What was typed stays in the box after the rerun.
    assert at.text_area(key="train_paste").value == OWN_LINES


def test_own_lines_that_cannot_train_say_why():
    at = run_app(PAGE, step="data", data="own")
    at.text_area(key="train_paste").input("1\tonly positive\n" * 30).run()
    at.button(key="train_use_paste").click().run()
    no_exception(at)
    assert [e.value for e in at.error], "a one-label input must be refused on the page"
    for step in ("prep", "fit", "eval", "save"):
        at.segmented_control(key="w_step").set_value(step).run()
        no_exception(at)
        assert translate("en", "train.need_data") in text(at)


@pytest.mark.parametrize(
    "query",
    [
        {"epochs": "999", "batch": "0"},
        {"lr": "nan", "cell": "<script>"},
        {"maxlen": "1e9", "num_words": "-1"},
        {"data": "../../etc/passwd", "split": "2"},
        {"review": "😀" * 3000, "oov": "x" * 500},
    ],
)
def test_odd_links_fall_back_with_a_notice(query):
    at = run_app(PAGE, step="fit", **query)
    no_exception(at)
    assert at.warning, "each bad value is named in a notice"


def test_the_korean_reviews_split_into_morphemes_change_the_vocabulary():
    spaces = run_app(PAGE, step="prep", lang="ko")
    no_exception(spaces)
    morphemes = run_app(PAGE, step="prep", lang="ko", morph="1")
    no_exception(morphemes)
    vocab = translate("ko", "train.vocab")
    count = {
        name: next(m.value for m in at.metric if m.label == vocab)
        for name, at in (("spaces", spaces), ("morphemes", morphemes))
    }
    assert count["spaces"] != count["morphemes"]
    assert translate("ko", "train.morph_on") in text(morphemes)
    # Both splits side by side, each with its own vocabulary and unseen share.
    table = morphemes.dataframe[0].value
    assert len(table) == 2
    assert table[vocab].iloc[0] == count["spaces"] and table[vocab].iloc[1] == count["morphemes"]


def test_a_queued_or_running_run_shows_progress_and_can_be_stopped():
    query = {"step": "fit", "epochs": 50, "seed": 13, "batch": 8}
    at = run_app(PAGE, **query)
    at.button(key="train_fit").click().run()
    no_exception(at)
    s = settings_of(**query)
    run = trainer().get(fit_spec(s, data.shipped("en")))
    assert run is not None
    at.run()  # 50 epochs of batch 8 take far longer than this: the run is queued or running
    assert run.status not in FINISHED
    assert any(b.key == "train_stop" for b in at.button)
    at.button(key="train_stop").click().run()
    no_exception(at)
    assert trainer().wait(run, FIT_SECONDS)
    assert run.status == "stopped"
    assert len(run.history.loss) < 50
    assert run.model is not None and torch.isfinite(run.model.dense.weight).all()
    at.run()
    no_exception(at)
    assert translate("en", "train.stopped").split("{")[0] in text(at)
