"""Bad input of every kind: a sensible view or a clear message, never a traceback, and the
text stays in the box. Work over the server's budget (layers/cost.py) is one more kind."""

import re

import pytest
from app_support import ROOT, TIMEOUT, charts, no_exception, run_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from layers.stack import MAX_BLOCKS, MAX_LINES, MAX_TOKENS
from ui.compute import MAX_CHARS
from ui.i18n import translate
from ui.settings import LIMITS, Settings, parse_query, to_query

LAB = "views/lab.py"
FOLLOW = "views/follow.py"
WORDS = " ".join(f"w{i}" for i in range(2000))
TEXTS = {
    "empty": "",
    "spaces": "    \n   \t ",
    "one character": "a",
    "ten thousand characters": ("abcdefghi " * 1000),
    "two thousand tokens": WORDS,
    "over the character cap": "x" * (MAX_CHARS + 500),
    "emoji": "I ❤️ 🐈‍⬛ and 🍕 !!! 👩🏽‍💻",
    "korean": "나는 오늘 학교에서 친구와 점심을 먹었다",
    "chinese": "我今天在学校和朋友一起吃午饭",
    "arabic": "أكلت الغداء مع صديقي في المدرسة اليوم",
    "zero width and control": "a\u200bb\u200c c\u0000d \u202e\u0007 e\u2028f \x1b[31m",
    "markup": "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"
    " **bold** $x^2$ :red[red]",
    "punctuation only": "?!... ,;:()[]{}",
    "hundreds of lines": "\n".join(f"line number {i} here" for i in range(300)),
    "mixed blank lines": "\n\nfirst line\n\n\n   \nsecond\n",
}


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("page", [None, LAB])
def test_any_text_gives_a_view_or_a_message_and_stays_in_the_box(name, page):
    at = run_app()
    if page:
        at.switch_page(page).run()
    text = TEXTS[name]
    at.text_area(key="w_text").input(text).run()
    no_exception(at)
    assert at.text_area(key="w_text").value == text
    if not any(ch.isalnum() for ch in text):
        message = translate("en", "problem.no_words")
        assert any(message in info.value for info in at.info)
    else:
        assert charts(at), "a text with words must draw the plots"
    if name == "two thousand tokens" and page is None:
        assert any(f"{MAX_TOKENS}" in info.value for info in at.info)
    if name == "hundreds of lines" and page is None:
        assert any(f"{MAX_LINES}" in info.value for info in at.info)
    if name == "over the character cap" and page is None:
        assert any(f"{MAX_CHARS:,}" in info.value for info in at.info)


BAD_VALUES = ["garbage", "-7", "0", "1e308", "NaN", "inf", "-inf", "", "<b>x</b>"]
NAMES = [
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
    "causal",
    "stack",
    "present",
    "section",
    "row",
    "token",
    "scale",
    "shift",
    "groups",
    "momentum",
    "gammas",
    "betas",
    "sublayer",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("page", ["app.py", LAB])
def test_every_url_parameter_survives_garbage(name, page):
    for value in ("garbage", "NaN", "-inf"):
        at = run_app(page, **{name: value})
        no_exception(at)
        assert at.warning, (name, value)
        assert charts(at)


def test_repeated_and_unknown_parameters():
    at = run_app(p=["0.1", "0.3"], utm_source="mail", **{"x y": "1"})
    no_exception(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "**p**" in warnings and "**utm\\_source**" in warnings
    assert at.slider(key="w_p").value == 0.3


@pytest.mark.parametrize("value", BAD_VALUES)
def test_numeric_parameters_accept_only_their_range(value):
    from ui.settings import parse_query

    for name, (low, high) in LIMITS.items():
        settings, _ = parse_query({name: value})
        assert low <= getattr(settings, name) <= high


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"stack": "embed,lstm-last,attention"}, "return_sequences"),
        ({"stack": "embed,gru-last,lstm"}, "return_sequences"),
        ({"stack": "embed,bigru,addnorm"}, "shapes differ"),
        ({"stack": "attention"}, "Embedding"),
        ({"stack": "embed,batchnorm", "text": "word"}, "one value per feature"),
    ],
)
def test_settings_that_cannot_work_together_are_explained(query, words):
    at = run_app(**query)
    no_exception(at)
    assert at.error and words in at.error[0].value


def test_heads_and_groups_that_do_not_divide_are_fitted_with_a_notice():
    at = run_app(LAB, d="12", groups="5", section="compare", heads="5")
    no_exception(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "**groups**" in warnings and "**heads**" in warnings
    assert at.segmented_control(key="w_groups").value == 4


def test_stress_settings_render():
    at = run_app(
        text=" ".join(f"word{i}" for i in range(512)),
        d="512",
        heads="8",
        stack="embed,layernorm,dropout,attention",
    )
    no_exception(at)
    assert any("128" in caption.value for caption in at.caption)  # the readable slice, noted


texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
stacks = st.lists(
    st.sampled_from(
        [
            "embed",
            "lstm",
            "bigru",
            "rnn-last",
            "layernorm",
            "batchnorm",
            "dropout",
            "attention",
            "addnorm",
            "ffn",
            "encoder",
        ]
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=texts,
    stack=stacks,
    d=st.sampled_from([4, 8, 12]),
    p=st.sampled_from([0.0, 0.5]),
    train=st.booleans(),
    section=st.sampled_from(["layernorm", "compare", "dropout", "residual"]),
)
def test_random_text_and_settings_never_raise_in_the_app(text, stack, d, p, train, section):
    query = {
        "text": text,
        "stack": ",".join(stack),
        "d": str(d),
        "p": str(p),
        "train": "1" if train else "0",
        "section": section,
    }
    for page in ("app.py", LAB):
        at = run_app(page, **query)
        no_exception(at)


@given(
    text=texts,
    stack=stacks,
    d=st.integers(1, 24),
    heads=st.integers(1, 6),
    units=st.integers(1, 12),
    p=st.floats(0, 0.9),
    train=st.booleans(),
    gamma=st.floats(-5, 5),
    eps=st.sampled_from([0.0, 1e-5, 1.0]),
    causal=st.booleans(),
)
def test_random_text_and_settings_never_raise_in_the_pipeline(
    text, stack, d, heads, units, p, train, gamma, eps, causal
):
    from layers.stack import parse_stack, run_stack, tokenize_batch

    settings_ = Settings(text=text, d=d, heads=heads, units=units, stack=tuple(stack))
    result = run_stack(
        tokenize_batch(settings_.text),
        parse_stack(settings_.stack),
        d_model=d,
        heads=heads,
        units=units,
        p=p,
        training=train,
        gamma=gamma,
        beta=0.0,
        eps=eps,
        seed=0,
        causal=causal,
    )
    assert result.problem is not None or len(result.blocks) == len(stack)


# ---------------------------------------------------------------------------- the work budget
# The heaviest links a URL can ask for: 64 lines padded to 512 tokens (one line of 512 words
# and short ones: the text cap leaves no room for 64 real lines of 512 words), width and units
# 512, twelve blocks. Each would hold the server for seconds (issue 8); layers/cost.py must
# refuse them before anything is computed.
ONE_LINE = " ".join(f"w{i}" for i in range(MAX_TOKENS))
FULL_BATCH = "\n".join([ONE_LINE, *(f"x{i}" for i in range(1, MAX_LINES))])


def twelve(kind: str) -> str:
    return ",".join(["embed"] + [kind] * (MAX_BLOCKS - 1))


WORST_FOLLOW = {
    "12 BiLSTM blocks at width 512": dict(
        text=ONE_LINE, d="512", units="512", stack=twelve("bilstm")
    ),
    "64 lines × 512 tokens through 12 attention blocks": dict(
        text=FULL_BATCH, d="512", stack=twelve("attention")
    ),
    "64 lines × 512 tokens, the default stack": dict(text=FULL_BATCH),
    "12 encoder blocks at width 512": dict(
        text=ONE_LINE, d="512", heads="8", stack=twelve("encoder")
    ),
    "12 BiGRU blocks at 512 units": dict(text=ONE_LINE, units="512", stack=twelve("bigru")),
}
WORST_LAB = {
    f"lab {section} ({sublayer}), 64 lines × 512 tokens × width 512": dict(
        text=FULL_BATCH, d="512", section=section, sublayer=sublayer
    )
    for section, sublayer in (
        ("compare", "ffn"),
        ("dropout", "ffn"),
        ("residual", "ffn"),
        ("residual", "attention"),
    )
}
FIXES = ("lines", "tokens", "d", "units", "heads", "blocks")


def budget_messages(at, lang: str = "en") -> list[str]:
    """The refusals on the page: warnings that end in what to lower."""
    endings = (translate(lang, "budget.lower"), translate(lang, "budget.lower_several"))
    return [w.value for w in at.warning if any(end in w.value for end in endings)]


def names_a_setting(message: str, lang: str = "en") -> bool:
    """A line of the message is one of the 'lower this to that' suggestions, filled in."""
    patterns = [
        re.escape(translate(lang, f"budget.fix_{fix}", value="\0", now="\0", block="\0"))
        .replace("\0", ".+?")
        .join(("^- ", "$"))
        for fix in FIXES
    ]
    return any(re.match(p, line) for line in message.splitlines() for p in patterns)


@pytest.fixture
def computed(monkeypatch):
    """Calls of what costs: the stack runner, and the lab's computations."""
    from lessons.lab import compute as lab_math
    from ui import compute

    calls = []

    def spy(module, name):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(compute, "run_stack")
    for name in ("token_vectors", "compare_norms", "running_stats", "dropout_views", "residual"):
        spy(lab_math, name)
    return calls


def open_link(page: str, **query) -> AppTest:
    """A lesson link opened in a fresh session: app.py (sidebar and all) on that page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    return at.switch_page(page).run()


@pytest.mark.parametrize("name", list(WORST_FOLLOW) + list(WORST_LAB))
def test_a_link_over_the_work_budget_is_refused_with_what_to_lower(name, computed):
    query = {**WORST_FOLLOW, **WORST_LAB}[name]
    at = open_link(LAB if "section" in query else FOLLOW, **query)
    no_exception(at)
    assert computed == [] and not charts(at), "nothing over the budget is computed or drawn"
    (message,) = budget_messages(at)
    assert names_a_setting(message), message
    assert at.text_area(key="w_text").value == query["text"]  # the text stays in the box
    assert dict(at.query_params) == to_query(parse_query(query)[0])  # the link stays the link


def test_the_controls_stay_to_lower_a_setting_with(computed):
    at = open_link(FOLLOW, **WORST_FOLLOW["64 lines × 512 tokens, the default stack"])
    assert budget_messages(at) and not computed
    for key in ("w_d", "w_units"):
        at.select_slider(key=key)  # the model's controls are drawn
    at.slider(key="w_gamma").set_value(1.5).run()  # still over: still nothing computed
    assert budget_messages(at) and not computed
    at.text_area(key="w_text").input("Three short lines\nof a few words\neach").run()
    no_exception(at)
    assert charts(at) and not budget_messages(at), "lowered under the budget: computed"
    assert computed == ["run_stack"]


def test_a_suggestion_lowers_its_setting_with_one_click(computed):
    at = open_link(LAB, **WORST_LAB["lab compare (ffn), 64 lines × 512 tokens × width 512"])
    assert budget_messages(at)
    at.button(key="budget_d").click().run()
    no_exception(at)
    assert not budget_messages(at) and charts(at)
    assert "compare_norms" in computed
    assert int(at.query_params["d"]) < 512
    assert at.text_area(key="w_text").value == FULL_BATCH


def test_the_refusal_speaks_korean():
    at = open_link(FOLLOW, lang="ko", **WORST_FOLLOW["64 lines × 512 tokens, the default stack"])
    no_exception(at)
    (message,) = budget_messages(at, "ko")
    assert names_a_setting(message, "ko"), message
