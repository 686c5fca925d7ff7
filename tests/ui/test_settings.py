"""Lesson links: parsing never raises, bad values fall back with a notice, round trips hold."""

import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.i18n import catalog
from ui.settings import (
    DEFAULT_REVIEW,
    DEFAULT_TEXT,
    DEFAULTS,
    HIDEABLE,
    LIMITS,
    SCOPES,
    Settings,
    fit_divisors,
    head_options,
    heads_width,
    parse_query,
    to_query,
)


def test_no_parameters_give_the_defaults():
    assert parse_query({}) == (DEFAULTS, [])
    assert to_query(DEFAULTS) == {}


def test_a_full_lesson_link_round_trips():
    settings = Settings(
        text="두 문장\nsecond line",
        lang="ko",
        seed=42,
        d=32,
        heads=8,
        units=8,
        p=0.35,
        train=False,
        gamma=2.0,
        beta=-1.5,
        eps=1e-3,
        causal=True,
        stack=("embed", "bigru", "layernorm", "attention", "addnorm"),
        present=True,
        hide=("d", "heads", "stack", "code"),
    )
    query = to_query(settings)
    assert query["stack"] == "embed,bigru,layernorm,attention,addnorm"
    assert query["hide"] == "d,heads,stack,code"
    assert query["train"] == "0" and query["eps"] == "0.001"
    assert parse_query(query) == (settings, [])


def test_the_default_sentence_follows_the_language():
    settings, _ = parse_query({"lang": "ko"})
    assert settings.text == DEFAULT_TEXT["ko"]
    assert "text" not in to_query(settings)
    assert DEFAULTS.with_lang("ko").text == DEFAULT_TEXT["ko"]
    own = Settings(text="mine").with_lang("ko")
    assert own.text == "mine"


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("p", "abc", "invalid"),
        ("p", "0.95", "range"),
        ("heads", "-3", "range"),
        ("heads", "2.5", "invalid"),
        ("eps", "nan", "invalid"),
        ("gamma", "inf", "invalid"),
        ("d", "0", "range"),
        ("seed", "-1", "range"),
        ("lang", "fr", "invalid"),
        ("train", "maybe", "invalid"),
        ("stack", "embed,lstm,whatever", "stack"),
        ("stack", ",,,", "stack"),
        ("stack", ",".join(["layernorm"] * 13), "stack"),
        ("utm_source", "mail", "unknown"),
    ],
)
def test_bad_values_fall_back_to_the_default_with_a_notice(name, raw, reason):
    settings, notices = parse_query({name: raw})
    assert [(n.name, n.reason) for n in notices] == [(name, reason)]
    if hasattr(DEFAULTS, name):
        assert getattr(settings, name) == getattr(DEFAULTS, name)


def test_repeated_keys_take_the_last_value_with_a_notice():
    settings, notices = parse_query({"p": ["0.1", "0.3"]})
    assert settings.p == 0.3
    assert [n.reason for n in notices] == ["repeated"]
    assert parse_query({"p": ["0.3", "0.3"]}) == (Settings(p=0.3), [])


def test_heads_are_fitted_to_the_width_that_reaches_attention():
    s = Settings(d=16, units=6, heads=4, stack=("embed", "lstm", "attention"))
    assert heads_width(s) == 6
    assert fit_divisors(s).heads == 3
    assert heads_width(Settings(d=16, units=6, stack=("embed", "bilstm", "attention"))) == 12
    assert heads_width(Settings(d=12, stack=("embed", "attention"))) == 12
    assert head_options(12) == [1, 2, 3, 4, 6, 12]
    assert head_options(512)[-1] == 16


def test_long_text_stays_out_of_the_link():
    assert "text" not in to_query(Settings(text="x" * 5000))


values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "0", "-0", "1e-5", "3", "512", "1" * 40]),
    st.lists(st.text(max_size=10), max_size=3),
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "text",
                "lang",
                "seed",
                "d",
                "heads",
                "units",
                "p",
                "train",
                "gamma",
                "beta",
                "eps",
                "stack",
                "hide",
                "part",
                "num_words",
                "oov",
                "new",
                "maxlen",
                "padding",
                "truncating",
                "value",
                "seqs",
                "word",
                "analogy",
                "x",
            ]
        ),
        values,
        max_size=6,
    )
)
def test_parsing_never_raises_and_always_gives_valid_settings(query):
    settings, _ = parse_query(query)
    for name, (low, high) in LIMITS.items():
        value = getattr(settings, name)
        assert low <= value <= high and math.isfinite(value)
    assert heads_width(settings) % settings.heads == 0
    assert parse_query(to_query(settings))[0] == settings


def test_a_widget_value_must_fit_the_settings_type():
    from ui.state import _fits

    assert _fits(3, 0) and _fits(0.5, 1.0) and _fits(2, 1.0) and _fits("ko", "en")
    assert _fits((1.0, 2.0), ()) and _fits(True, False)
    # A selectbox whose options changed can hand back an old label: never a setting.
    assert not _fits("0 · the", 0) and not _fits(None, 0) and not _fits(1, True)
    assert not _fits(True, 0)


# --------------------------------------------------------------------------- hide=


def test_hide_accepts_every_control_by_its_url_name():
    settings, notices = parse_query({"hide": "d,heads,units"})
    assert settings.hide == ("d", "heads", "units") and not notices
    assert settings.d == DEFAULTS.d  # hiding changes no value
    everything, notices = parse_query({"hide": ",".join(HIDEABLE)})
    assert everything.hide == HIDEABLE and not notices
    named = set(HIDEABLE)
    assert {
        "text",
        "lang",
        "seed",
        "present",
        "stack",
        "section",
        "gammas",
        "betas",
        "code",
    } <= named
    assert "hide" not in named


def test_hidden_values_still_come_from_the_link():
    settings, notices = parse_query({"hide": "d", "d": "32", "gamma": "2"})
    assert (settings.d, settings.gamma, settings.hide) == (32, 2.0, ("d",)) and not notices


@pytest.mark.parametrize(
    ("raw", "hidden", "unknown"),
    [
        ("D,Heads", ("d", "heads"), None),  # any case
        (" d , heads ", ("d", "heads"), None),  # spaces around names
        ("heads d", ("d", "heads"), None),  # a space (a "+" in the link) separates too
        ("units;d", ("d", "units"), None),
        ("heads,d,heads", ("d", "heads"), None),  # a name twice: once
        ("d,wings", ("d",), "wings"),
        ("wings,D,fins,wings", ("d",), "wings, fins"),  # one notice naming each unknown once
        ("hide", (), "hide"),
        ("<b>x</b>", (), "<b>x</b>"),
        ("", (), None),
        (",, ,", (), None),
    ],
)
def test_hide_names_are_tidied_and_unknown_ones_noticed(raw, hidden, unknown):
    settings, notices = parse_query({"hide": raw})
    assert settings.hide == hidden
    assert [(n.name, n.value, n.reason) for n in notices] == (
        [("hide", unknown, "hide")] if unknown else []
    )
    assert settings == replace(DEFAULTS, hide=hidden)  # nothing else moved


def test_repeated_hide_keys_add_up_without_a_notice():
    settings, notices = parse_query({"hide": ["d", "heads,units"]})
    assert settings.hide == ("d", "heads", "units") and not notices


def test_a_long_unknown_hide_value_is_cut_in_the_notice():
    _, notices = parse_query({"hide": "x" * 5000})
    assert len(notices) == 1 and len(notices[0].value) <= 80


def test_hide_round_trips_in_one_tidy_order():
    settings, _ = parse_query({"hide": "Units, d , code,heads"})
    query = to_query(settings)
    assert query == {"hide": "d,heads,units,code"}
    assert parse_query(query) == (settings, [])
    assert "hide" not in to_query(replace(settings, hide=()))
    assert settings.with_lang("ko").hide == settings.hide  # a language switch keeps it


def test_the_hide_notice_is_in_both_catalogs():
    for lang in ("en", "ko"):
        assert "{value}" in catalog(lang)["notice.hide"]


def test_the_readme_lists_every_name_hide_accepts():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `hide`"))
    listed = set(re.findall(r"`([a-z_]+)`", row))
    # A page's own settings are hidden by their names in its links (SCOPES), e.g. `batch` on /train.
    scoped = {field: name for aliases in SCOPES.values() for name, field in aliases.items()}
    names = {scoped.get(name, name) for name in HIDEABLE}
    assert names <= listed, sorted(names - listed)


# --------------------------------------------------------------------------- the Text page


def test_the_text_pages_settings_round_trip():
    query = {
        "part": "padding",
        "num_words": "5",
        "oov": "<OOV>",
        "new": "a new line",
        "maxlen": "3",
        "padding": "post",
        "truncating": "post",
        "value": "-1",
        "seqs": "1 2 3; 4",
        "word": "frog",
        "analogy": "paris - france + italy",
    }
    settings, notices = parse_query(query)
    assert not notices
    assert (settings.part, settings.num_words, settings.oov, settings.maxlen) == (
        "padding",
        5,
        "<OOV>",
        3,
    )
    assert (settings.padding, settings.truncating, settings.value) == ("post", "post", -1)
    assert to_query(settings) == query
    assert parse_query(to_query(settings)) == (settings, [])


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("part", "everything", "invalid"),
        ("padding", "middle", "invalid"),
        ("maxlen", "513", "range"),
        ("maxlen", "three", "invalid"),
        ("num_words", "-1", "range"),
        ("value", "1.5", "invalid"),
    ],
)
def test_a_bad_text_page_value_falls_back_with_a_notice(name, raw, reason):
    settings, notices = parse_query({name: raw})
    assert getattr(settings, name) == getattr(DEFAULTS, name)
    assert [(n.name, n.reason) for n in notices] == [(name, reason)]


def test_a_long_short_text_is_cut_with_a_notice():
    settings, notices = parse_query({"oov": "x" * 500, "word": "y" * 500})
    assert (len(settings.oov), len(settings.word)) == (40, 80)
    assert {(n.name, n.reason) for n in notices} == {("oov", "long"), ("word", "long")}
    for lang in ("en", "ko"):
        assert "{value}" in catalog(lang)["notice.long"]


def test_the_new_sentence_follows_the_language_unless_typed():
    from ui.settings import DEFAULT_NEW

    assert DEFAULTS.with_lang("ko").new == DEFAULT_NEW["ko"]
    assert Settings(new="mine").with_lang("ko").new == "mine"
    assert "new" not in to_query(DEFAULTS.with_lang("ko"))
    assert parse_query({"lang": "ko"})[0].new == DEFAULT_NEW["ko"]


# --------------------------------------------------------------------------- the Train page
# On /train, `batch`, `maxlen`, `num_words`, `d`, `units`, `oov` and `clipnorm` are the model's
# (ui.settings.SCOPES): the tutorial's defaults, not the lab's, the text page's or Follow's.


def test_the_train_pages_names_are_its_own_settings():
    query = {"batch": "64", "maxlen": "60", "num_words": "5000", "d": "16", "units": "64",
             "oov": "[UNK]", "clipnorm": "1", "epochs": "2", "cell": "lstm", "lr": "0.01",
             "optimizer": "adam", "split": "0.3", "data": "ko", "val": "data"}  # fmt: skip
    settings, notices = parse_query(query, "train")
    assert notices == []
    assert (settings.fit_batch, settings.fit_maxlen, settings.fit_words) == (64, 60, 5000)
    assert (settings.fit_d, settings.fit_units, settings.fit_oov) == (16, 64, "[UNK]")
    assert settings.fit_clipnorm == 1.0
    # The other pages' settings of those names keep their defaults …
    for name in SCOPES["train"]:
        assert getattr(settings, name) == getattr(DEFAULTS, name)
    # … and the link the page writes uses its own names again.
    assert to_query(settings, "train") == query
    assert parse_query(to_query(settings, "train"), "train") == (settings, [])


def test_elsewhere_the_same_names_are_the_other_pages_settings():
    settings, notices = parse_query({"batch": "image", "maxlen": "12", "num_words": "5"})
    assert notices == []
    assert (settings.batch, settings.maxlen, settings.num_words) == ("image", 12, 5)
    assert (settings.fit_batch, settings.fit_maxlen) == (DEFAULTS.fit_batch, DEFAULTS.fit_maxlen)
    # On /train those are not in the link; the train settings are, under their short names.
    moved = replace(settings, fit_batch=8)
    assert to_query(moved, "train") == {"batch": "8"}
    # Off /train, a changed train setting keeps its long name, so nothing is ambiguous.
    assert to_query(moved)["fit_batch"] == "8"
    assert parse_query(to_query(moved)) == (moved, [])


def test_the_tutorials_defaults_on_the_train_page():
    settings, _ = parse_query({}, "train")
    assert (settings.fit_words, settings.fit_d, settings.fit_units) == (10_000, 32, 32)
    assert (settings.cell, settings.optimizer, settings.fit_batch) == ("simplernn", "rmsprop", 32)
    assert settings.lr == 0.001  # RMSprop's default learning rate in Keras


@pytest.mark.parametrize(
    "name, raw, reason",
    [
        ("batch", "0", "range"),
        ("batch", "big", "invalid"),
        ("epochs", "500", "range"),
        ("epochs", "1.5", "invalid"),
        ("lr", "nan", "invalid"),
        ("lr", "0", "range"),
        ("maxlen", "-3", "range"),
        ("num_words", "1", "range"),
        ("cell", "transformer", "invalid"),
        ("split", "0.95", "range"),
        ("data", "fr", "invalid"),
    ],
)
def test_a_bad_train_value_falls_back_with_a_notice_under_its_link_name(name, raw, reason):
    settings, notices = parse_query({name: raw}, "train")
    assert [(n.name, n.value, n.reason) for n in notices] == [(name, raw, reason)]
    assert settings == parse_query({}, "train")[0]


def test_hide_takes_the_train_pages_names():
    settings, notices = parse_query({"hide": "batch,maxlen,epochs"}, "train")
    assert notices == []
    assert set(settings.hide) == {"fit_batch", "fit_maxlen", "epochs"}
    link_name = {field: name for name, field in SCOPES["train"].items()}
    in_order = [link_name.get(h, h) for h in HIDEABLE if h in settings.hide]
    assert to_query(settings, "train") == {"hide": ",".join(in_order)}
    assert parse_query(to_query(settings, "train"), "train") == (settings, [])


def test_the_review_sentence_follows_the_language_unless_typed():
    settings, _ = parse_query({"lang": "ko"}, "train")
    assert settings.review == DEFAULT_REVIEW["ko"]
    assert settings.with_lang("en").review == DEFAULT_REVIEW["en"]
    typed = replace(settings, review="좋아요")
    assert typed.with_lang("en").review == "좋아요"


# ------------------------------------------------------------- the Attention & Transformer page
# Its `d` and `heads` are its own (heads must divide its D, not the width Follow's stack hands its
# attention), as are `part`, `query` and `key`.


def test_the_attention_pages_names_are_its_own_settings():
    query = {"part": "explain", "step": "mask", "d": "64", "heads": "8", "query": "3", "key": "1",
             "head": "2", "scaled": "0", "pe": "0", "shuffle": "1", "line": "2", "causal": "1",
             "source": "나는 학생이다", "target": "i am a student"}  # fmt: skip
    settings, notices = parse_query(query, "attention")
    assert notices == []
    assert (settings.att_part, settings.att_d, settings.att_heads) == ("explain", 64, 8)
    assert settings.att_step == "mask" and settings.step == DEFAULTS.step  # not the Train page's
    assert (settings.qi, settings.kj, settings.head, settings.line) == (3, 1, 2, 2)
    assert (settings.scaled, settings.pe, settings.shuffle, settings.causal) == (
        False,
        False,
        True,
        True,
    )
    assert (settings.source, settings.target) == ("나는 학생이다", "i am a student")
    for name in ("d", "heads", "part", "step"):  # other pages' settings of those names stay put
        assert getattr(settings, name) == getattr(DEFAULTS, name)
    assert to_query(settings, "attention") == query
    assert parse_query(to_query(settings, "attention"), "attention") == (settings, [])


def test_the_attention_pages_heads_divide_its_own_width_and_the_head_is_one_of_them():
    settings, notices = parse_query({"d": "12", "heads": "8", "head": "9"}, "attention")
    assert (settings.att_d, settings.att_heads, settings.head) == (12, 6, 6)
    assert [(n.name, n.value, n.reason) for n in notices] == [
        ("heads", "8", "heads"),
        ("head", "9", "head"),
    ]
    # The Follow page's heads are untouched by the attention page's width.
    assert settings.heads == DEFAULTS.heads
    for lang in ("en", "ko"):
        assert "{value}" in catalog(lang)["notice.head"]


@pytest.mark.parametrize(
    "name, raw, reason",
    [
        ("part", "tokenizer", "invalid"),
        ("d", "0", "range"),
        ("heads", "two", "invalid"),
        ("query", "-1", "range"),
        ("key", "512", "range"),
        ("head", "0", "range"),
        ("line", "65", "range"),
        ("scaled", "maybe", "invalid"),
    ],
)
def test_a_bad_attention_value_falls_back_with_a_notice_under_its_link_name(name, raw, reason):
    settings, notices = parse_query({name: raw}, "attention")
    assert [(n.name, n.value, n.reason) for n in notices] == [(name, raw, reason)]
    assert settings == parse_query({}, "attention")[0]
