"""The app's pages, in menu order: one place that app.py, the tests and the benchmark read."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MainSlider:
    """A slider a teacher moves in class, which the benchmark times on every run.

    `setting` is the slider's setting (its widget key is `w_<setting>`); `query` holds the URL
    parameters that put it on screen (the lab's dropout rate lives in its dropout section).
    """

    setting: str
    query: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        return f"w_{self.setting}"

    @property
    def name(self) -> str:
        """A short name for reports and figure ids: `gamma`, `p@section=dropout`."""
        return self.setting + "".join(f"@{k}={v}" for k, v in self.query)


@dataclass(frozen=True)
class PageInfo:
    path: str  # relative to the repository root
    title_key: str  # message key of the menu title
    icon: str  # a Material Symbols name: its font ships with Streamlit, no network needed
    url_path: str  # "" for the default page
    sliders: tuple[MainSlider, ...] = field(default=())  # the main sliders, timed by the bench


PAGES = (
    PageInfo(
        "views/follow.py",
        "nav.follow",
        ":material/route:",
        "",
        (MainSlider("p"), MainSlider("gamma")),
    ),
    PageInfo(
        "views/lab.py",
        "nav.lab",
        ":material/tune:",
        "lab",
        (MainSlider("gamma"), MainSlider("p", (("section", "dropout"),))),
    ),
    PageInfo(
        "views/text.py",
        "nav.text",
        ":material/text_fields:",
        "text",
        (MainSlider("num_words"), MainSlider("maxlen", (("part", "padding"),))),
    ),
    PageInfo(
        "views/gradients.py",
        "nav.gradients",
        ":material/trending_down:",
        "gradients",
        (
            MainSlider("depth"),
            MainSlider("gain", (("view", "time"),)),
            MainSlider("clipnorm", (("view", "clip"),)),
        ),
    ),
    PageInfo(
        "views/train.py",
        "nav.train",
        ":material/model_training:",
        "train",
        (
            MainSlider("fit_words", (("step", "prep"),)),
            MainSlider("fit_maxlen", (("step", "prep"),)),
        ),
    ),
    PageInfo(
        "views/attention.py",
        "nav.attention",
        ":material/center_focus_strong:",
        "attention",
        (MainSlider("att_d"), MainSlider("qi", (("att_part", "explain"),))),
    ),
    PageInfo(
        "views/recurrent.py",
        "nav.recurrent",
        ":material/replay:",
        "recurrent",
        (MainSlider("rnn_units"), MainSlider("rnn_t")),
    ),
)
