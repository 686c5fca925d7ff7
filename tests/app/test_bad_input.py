"""Bad input of every kind: a sensible view or a clear message, never a traceback, and the
text stays in the box."""

import pytest
from app_support import charts, no_exception, run_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.stack import MAX_LINES, MAX_TOKENS
from ui.compute import MAX_CHARS
from ui.i18n import translate
from ui.settings import LIMITS, Settings

LAB = "views/lab.py"
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
