"""The Train page in a real Chromium: a short fit from a lesson link runs live to the end,
a typed sentence is predicted, the model is downloaded and uploaded back (identical
predictions), a foreign file is refused, and every step draws in both languages."""

from __future__ import annotations

import re

import pytest
from browser.test_pages import HANGUL, drawn, screenshot, wait_until

from bench.live import page_url, wait_idle
from ui.i18n import translate
from ui.settings import CHOICES

FIT_TIMEOUT = 120.0  # a 2-epoch fit takes seconds; CI runs other tests beside it


def en(key: str) -> str:
    return translate("en", key)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def pick_step(page, step: str, lang: str = "en") -> None:
    page.get_by_role("radio", name=translate(lang, f"train.step_{step}"), exact=True).click()
    wait_idle(page, timeout=60)


def test_fit_live_then_predict_then_save_and_load(tab, tmp_path):
    page = tab.page
    tab.open("train", {"step": "fit", "epochs": "2", "seed": "31"})
    page.get_by_role("button", name=en("train.fit")).click()
    done = en("train.done").split("{")[0].strip()  # "Training done:"
    wait_until(page, lambda: "Epoch 2/2" in main_text(page) and done in main_text(page),
               timeout=FIT_TIMEOUT, what="the fit to finish")  # fmt: skip
    wait_idle(page, timeout=60)
    text = main_text(page)
    assert re.search(r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}", text), text[:2000]
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2  # loss and accuracy
    tab.check_clean()
    screenshot(page, "train-fit")

    pick_step(page, "eval")
    assert "model.evaluate(x_test, y_test)" in main_text(page)
    prediction = re.compile(r"model\.predict\(x\).*?→ \[\[\d\.\d{4}\]\]", re.S)
    before = prediction.search(main_text(page))
    assert before, "the default sentence is predicted as soon as the model is trained"
    box = page.get_by_label(en("train.review"))
    box.fill("the service was slow and the food was cold")
    box.press("Control+Enter")

    def predicted_anew():
        found = prediction.search(main_text(page))
        return found is not None and found.group(0) != before.group(0)

    wait_until(page, predicted_anew, what="the prediction of the typed sentence")
    wait_idle(page, timeout=60)
    tab.check_clean()
    screenshot(page, "train-predict")

    pick_step(page, "save")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("sentiment-model.safetensors")).click()
    saved = tmp_path / "sentiment-model.safetensors"
    download.value.save_as(saved)
    assert saved.stat().st_size > 100_000  # 10,000 × 32 float32 embeddings and the rest
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(saved))
    same = en("train.round_trip_same").split("{")[0].strip()
    wait_until(page, lambda: same.split()[0] in main_text(page) and "identical" in main_text(page),
               timeout=60, what="the round trip's verdict")  # fmt: skip
    tab.check_clean()
    screenshot(page, "train-load")

    foreign = tmp_path / "not-a-model.safetensors"
    foreign.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{'not': json}" + b"\0" * 64)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(foreign))
    refused = en("train.load_not_safetensors").split("(")[0].strip()
    wait_until(page, lambda: refused in main_text(page), what="the foreign file to be refused")
    tab.check_clean()


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("step", CHOICES["step"])
def test_every_train_step_draws_in_both_languages(tab, step, lang):
    page = tab.page
    # Not tab.open: that waits for a plot, and build (and evaluate before a fit) draw none.
    page.goto(page_url(tab.base, "train", {"step": step, "lang": lang}), timeout=120_000)
    wait_idle(page, timeout=120)
    assert translate(lang, "train.title") in page.locator("h1").first.inner_text()
    if lang == "ko":
        assert HANGUL.search(main_text(page))
    flags = drawn(page)
    assert all(flags), flags
    tab.check_clean()
    assert screenshot(page, f"train-{step}-{lang}").stat().st_size > 10_000
