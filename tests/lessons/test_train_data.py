"""The train page's data: shipped sets checked against their files, own data, Keras' splits."""

import csv
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.train import data

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "data" / "README.md").read_text(encoding="utf-8")


def raw_rows(name):
    """The shipped file read here directly: (header, [(label, middle column, text), ...])."""
    lines = (ROOT / "data" / f"sentiment-{name}.tsv").read_text(encoding="utf-8").splitlines()
    return lines[0].split("\t"), [tuple(line.split("\t", 2)) for line in lines[1:]]


def readme_numbers(name):
    """Numbers in the README's table row for the file: rows first, then the class counts."""
    row = next(line for line in README.splitlines() if line.startswith(f"| `sentiment-{name}"))
    cell = row.split("|")[2]
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", cell)]


def tsv(rows):
    return "\n".join(f"{label}\t{text}" for label, text in rows) + "\n"


def balanced(n, offset=0):
    """n distinct good rows, labels alternating 1, 0, …"""
    return [((i + 1) % 2, f"sentence number {offset + i}") for i in range(n)]


# Shipped sets


@pytest.mark.parametrize("name", ["en", "ko"])
def test_shipped_set_is_the_file_and_agrees_with_the_readme(name):
    header, rows = raw_rows(name)
    dataset = data.shipped(name)
    assert dataset.name == name
    assert dataset.texts == tuple(text for _, _, text in rows)
    np.testing.assert_array_equal(dataset.labels, [int(label) for label, _, _ in rows])
    assert dataset.labels.dtype == np.int64 and dataset.labels.shape == (len(rows),)
    positives = sum(label == "1" for label, _, _ in rows)
    assert dataset.counts() == (len(rows) - positives, positives)
    numbers = readme_numbers(name)
    assert numbers[0] == len(rows)
    assert numbers[1] == positives  # "2,979 (1,488 positive)", "4,000 (2,000 each)"
    if name == "en":
        assert header == ["label", "source", "text"]
        assert dataset.groups == tuple(source for _, source, _ in rows)
        assert list(dict.fromkeys(dataset.groups)) == ["amazon", "imdb", "yelp"]
    else:
        assert header == ["label", "movie_id", "text"]
        assert dataset.groups is None
        assert len(rows) - positives == numbers[1]


def test_shipped_sets_are_read_once_and_cannot_be_changed():
    assert data.shipped("en") is data.shipped("en")
    with pytest.raises(ValueError):
        data.shipped("en").labels[0] = 1


@pytest.mark.parametrize("name", ["fr", "EN", "", None, 3])
def test_unknown_shipped_name_says_which_exist(name):
    with pytest.raises(ValueError, match=r"'en'.*'ko'"):
        data.shipped(name)


@pytest.mark.parametrize("name", ["en", "ko"])
def test_a_shipped_file_uploaded_as_own_data_reads_the_same(name):
    raw = (ROOT / "data" / f"sentiment-{name}.tsv").read_bytes()
    parsed = data.parse_labelled(raw, filename=f"sentiment-{name}.tsv")
    shipped = data.shipped(name)
    assert parsed.problem is None and parsed.header and parsed.bad_count == 0
    assert parsed.dataset.texts == shipped.texts
    assert parsed.dataset.digest == shipped.digest
    # Pasted without a filename: the tab on the first line decides.
    assert data.parse_labelled(raw.decode("utf-8")).dataset.digest == shipped.digest


def test_digest_is_the_same_in_another_process_and_changes_with_a_label():
    code = "from lessons.train import data; print(data.shipped('ko').digest)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    ko = data.shipped("ko")
    assert result.stdout.strip() == ko.digest
    flipped = ko.labels.copy()
    flipped[0] = 1 - flipped[0]
    assert data.Dataset("ko", ko.texts, flipped).digest != ko.digest
    assert data.Dataset("own", ko.texts, ko.labels).digest == ko.digest


def test_importing_the_module_loads_neither_streamlit_nor_plotly():
    code = (
        "import json, sys; from lessons.train import data; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'streamlit', 'plotly', 'keras'})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# Own data: formats


def test_pasted_tsv_with_every_label_spelling():
    spellings = [" 0", "1 ", "0.0", "1.0", "NEG", "Pos", "negative", "POSITIVE", "부정", "긍정"]
    rows = [(label, f"example {i}") for i, label in enumerate(spellings * 2)]
    parsed = data.parse_labelled(tsv(rows))
    assert parsed.problem is None and parsed.bad == () and parsed.format == "tsv"
    assert parsed.dataset.texts == tuple(text for _, text in rows)
    expected = [
        0 if s.strip().lower() in ("0", "0.0", "neg", "negative", "부정") else 1 for s in spellings
    ]
    np.testing.assert_array_equal(parsed.dataset.labels, expected * 2)


def test_csv_with_quotes_commas_and_newlines():
    texts = [
        'He said "wow", then left.',
        "Line one\nline two, and a comma",
        "plain",
        '""',
        "  spaced   out\r\n text ",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["label", "text"])
    rows = [(i % 2, texts[i % len(texts)] + f" #{i}") for i in range(25)]
    writer.writerows(rows)
    raw = buffer.getvalue().encode("utf-8")
    parsed = data.parse_labelled(raw, filename="mine.CSV")
    assert parsed.problem is None and parsed.bad == () and parsed.header
    assert parsed.format == "csv"
    assert parsed.dataset.texts == tuple(" ".join(text.split()) for _, text in rows)
    np.testing.assert_array_equal(parsed.dataset.labels, [label for label, _ in rows])


def test_csv_line_numbers_count_the_lines_inside_quoted_fields():
    lines = ["label,text", '1,"two', 'lines"', "oops", '0,"three', "", 'lines"', "7,bad label"]
    lines += [f"{i % 2},row {i}" for i in range(30)]
    parsed = data.parse_labelled("\n".join(lines), filename="x.csv")
    assert [(b.line, b.reason) for b in parsed.bad] == [
        (lines.index("oops") + 1, "separator"),
        (lines.index("7,bad label") + 1, "label"),
    ]
    assert parsed.dataset.texts[:2] == ("two lines", "three lines")


def test_tsv_with_more_columns_takes_the_first_as_label_and_the_last_as_text():
    rows = [f"{i % 2}\tsource{i}\textra\ttext {i}" for i in range(20)]
    parsed = data.parse_labelled("\n".join(rows), filename="own.tsv")
    assert parsed.dataset.texts == tuple(f"text {i}" for i in range(20))


def test_spreadsheet_padding_columns_and_empty_rows_are_ignored():
    lines = ["label,text,,"] + [f"{i % 2},text {i},," for i in range(20)] + [",,,", ""]
    parsed = data.parse_labelled("\r\n".join(lines).encode("utf-8-sig"), filename="sheet.csv")
    assert parsed.problem is None and parsed.bad == () and parsed.header
    assert parsed.dataset.texts == tuple(f"text {i}" for i in range(20))


def test_without_a_filename_a_comma_means_csv_and_a_tab_means_tsv():
    commas = "\n".join(f'{i % 2},"a, b {i}"' for i in range(20))
    assert data.parse_labelled(commas).format == "csv"
    assert data.parse_labelled(commas).dataset.texts[0] == "a, b 0"
    tabs = "\n\n" + "\n".join(f"{i % 2}\ta, b {i}" for i in range(20))
    assert data.parse_labelled(tabs, filename="notes.txt").format == "tsv"
    assert data.parse_labelled(tabs).dataset.texts[0] == "a, b 0"


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_line_endings_give_the_same_rows_and_line_numbers(ending):
    lines = [f"{i % 2}\trow {i}" for i in range(25)]
    lines[3] = "no separator here"
    lines[10] = ""
    lines[17] = "1\t   "
    reference = data.parse_labelled("\n".join(lines))
    parsed = data.parse_labelled(ending.join(lines).encode("utf-8"))
    assert parsed.dataset == reference.dataset
    assert [(b.line, b.reason) for b in parsed.bad] == [(4, "separator"), (18, "empty")]
    assert parsed.bad == reference.bad


def test_a_byte_order_mark_is_stripped_from_bytes_and_text():
    text = "label\ttext\n" + tsv(balanced(20))
    plain = data.parse_labelled(text.encode("utf-8"))
    assert plain.header and plain.problem is None
    for raw in (b"\xef\xbb\xbf" + text.encode("utf-8"), "\ufeff" + text):
        parsed = data.parse_labelled(raw)
        assert parsed.header and parsed.dataset == plain.dataset and parsed.bad == ()


@pytest.mark.parametrize("word", ["label", "Sentiment", "y", "CLASS", "라벨", "레이블", "감정"])
def test_header_words_are_skipped_silently(word):
    parsed = data.parse_labelled(f"{word}\ttext\n" + tsv(balanced(20)))
    assert parsed.header and parsed.bad == () and len(parsed.dataset) == 20


def test_a_first_line_that_is_no_header_is_a_bad_row_and_only_the_first_can_be_a_header():
    parsed = data.parse_labelled("hello\tworld\n" + tsv(balanced(20)) + "label\ttext\n")
    assert not parsed.header
    assert [(b.line, b.reason, b.text) for b in parsed.bad] == [
        (1, "label", "hello world"),
        (22, "label", "label text"),
    ]


def test_text_is_cleaned_and_nothing_else_is_touched():
    texts = [
        "a\x00b",  # NUL
        "tab\x0bbed\x0c and\x1f units",
        "  many    spaces  ",
        "emoji 👍🏽 and 👩‍👩‍👧",
        "<b>bold</b> <script>x</script>",
        "עברית مرحبا right-to-left",
        "제목\u3000전각 공백",
        "em\x97dash",
    ]
    rows = [(i % 2, texts[i % len(texts)]) for i in range(24)]
    parsed = data.parse_labelled(tsv(rows).encode("utf-8"))
    expected = [" ".join(text.replace("\x00", " ").split()) for _, text in rows]
    assert parsed.dataset.texts == tuple(expected)
    assert parsed.dataset.texts[0] == "a b" and parsed.dataset.texts[7] == "em\x97dash"


def test_lone_surrogates_become_replacement_characters_and_pairs_their_character():
    rows = [(i % 2, f"x\ud800 {i}") for i in range(20)] + [(0, "smile \ud83d\ude00")]
    parsed = data.parse_labelled(tsv(rows))
    assert parsed.dataset.texts[0] == "x\ufffd 0"
    assert parsed.dataset.texts[-1] == "smile 😀"
    assert all(text.encode("utf-8") for text in parsed.dataset.texts)


def test_long_texts_are_bad_rows_and_the_limit_itself_is_fine():
    rows = [*balanced(20), (1, "x" * data.MAX_TEXT_CHARS), (0, "y" * (data.MAX_TEXT_CHARS + 1))]
    parsed = data.parse_labelled(tsv(rows))
    assert len(parsed.dataset) == 21
    (bad,) = parsed.bad
    assert (bad.line, bad.reason) == (22, "long")
    assert len(bad.text) == data.BAD_TEXT_CHARS and bad.text.endswith("…")
    assert bad.text[:-1] == ("0\t" + "y" * data.MAX_TEXT_CHARS).replace("\t", " ")[:79]


def test_bad_rows_are_all_counted_but_only_the_first_fifty_listed():
    lines = [f"{i % 2}\tgood {i}" for i in range(30)] + [f"?\tbad {i}" for i in range(120)]
    parsed = data.parse_labelled("\n".join(lines))
    assert parsed.bad_count == 120
    assert len(parsed.bad) == data.MAX_BAD_SHOWN
    assert [b.line for b in parsed.bad] == list(range(31, 31 + data.MAX_BAD_SHOWN))
    assert {b.reason for b in parsed.bad} == {"label"}


# Own data: whole-input problems


def test_too_few_rows_is_refused_with_the_count():
    short = data.parse_labelled(tsv(balanced(data.MIN_ROWS - 1)) + "?\tx\n")
    assert short.dataset is None and short.problem == "few"
    assert short.problem_values == {"rows": data.MIN_ROWS - 1, "minimum": data.MIN_ROWS}
    assert [b.reason for b in short.bad] == ["label"]  # still listed, to show why
    enough = data.parse_labelled(tsv(balanced(data.MIN_ROWS)))
    assert enough.problem is None and len(enough.dataset) == data.MIN_ROWS


def test_empty_or_blank_input_is_too_few_rows():
    for raw in ("", b"", None, "\n\r\n  \t \n", b"\xef\xbb\xbf"):
        parsed = data.parse_labelled(raw)
        assert parsed.problem == "few" and parsed.problem_values["rows"] == 0


@pytest.mark.parametrize("label", [0, 1])
def test_one_class_is_refused_and_says_which(label):
    rows = [(label, f"text {i}") for i in range(25)]
    parsed = data.parse_labelled(tsv(rows))
    assert parsed.dataset is None and parsed.problem == "one_class"
    assert parsed.problem_values == {"label": label, "rows": 25}


def test_more_than_max_rows_keeps_the_first_with_a_note():
    extra = 7
    rows = balanced(data.MAX_ROWS + extra)
    parsed = data.parse_labelled(tsv(rows).encode("utf-8"))
    assert parsed.problem == "rows" and parsed.problem not in data.REFUSALS
    assert parsed.problem_values == {"rows": data.MAX_ROWS + extra, "kept": data.MAX_ROWS}
    assert parsed.dataset.texts == tuple(text for _, text in rows[: data.MAX_ROWS])


def test_too_many_bytes_is_refused_before_decoding():
    line = b"1\tgood\n"
    at_limit = line * (data.MAX_BYTES // len(line)) + b"x" * (data.MAX_BYTES % len(line))
    assert len(at_limit) == data.MAX_BYTES
    assert data.parse_labelled(at_limit).problem != "size"
    over = at_limit + b"\xff"  # not UTF-8 either: size is checked first
    parsed = data.parse_labelled(over)
    assert parsed.dataset is None and parsed.problem == "size"
    assert parsed.problem_values == {"bytes": data.MAX_BYTES + 1, "limit": data.MAX_BYTES}
    text = "가" * (data.MAX_BYTES // 3 + 1)  # three bytes each in UTF-8
    assert data.parse_labelled(text).problem_values["bytes"] == len(text.encode("utf-8"))


def test_bytes_that_are_not_utf8_give_the_offset_line_and_a_guess():
    good = tsv(balanced(20)).encode("utf-8")
    korean = "1\t정말 재미있어요\n".encode("cp949")
    parsed = data.parse_labelled(good + korean)
    assert parsed.dataset is None and parsed.problem == "encoding"
    assert parsed.problem_values == {
        "offset": len(good) + len("1\t"),
        "line": good.count(b"\n") + 1,
        "guess": "cp949",
    }
    utf16 = data.parse_labelled(tsv(balanced(20)).encode("utf-16"))
    assert utf16.problem == "encoding" and utf16.problem_values["guess"] == "utf-16"
    with_bom = data.parse_labelled(b"\xef\xbb\xbf" + b"1\tcaf\xe9\n")
    assert with_bom.problem_values == {"offset": 3 + len(b"1\tcaf"), "line": 1, "guess": None}


# Own data: fuzzing


LINE_COUNT = re.compile(r"\r\n|\r|\n")


def check_invariants(parsed, raw):
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    lines = len(LINE_COUNT.findall(text)) + 1
    assert parsed.problem in (None, *data.PROBLEMS)
    assert (parsed.dataset is None) == (parsed.problem in data.REFUSALS)
    assert len(parsed.bad) <= data.MAX_BAD_SHOWN and parsed.bad_count >= len(parsed.bad)
    for bad in parsed.bad:
        assert bad.reason in data.REASONS
        assert 1 <= bad.line <= lines
        assert len(bad.text) <= data.BAD_TEXT_CHARS
    if parsed.dataset is not None:
        dataset = parsed.dataset
        assert dataset.labels.dtype == np.int64 and set(dataset.labels.tolist()) == {0, 1}
        assert data.MIN_ROWS <= len(dataset) <= data.MAX_ROWS
        for sentence in dataset.texts:
            assert sentence and sentence == " ".join(sentence.split())
            assert len(sentence) <= data.MAX_TEXT_CHARS
            sentence.encode("utf-8")  # no lone surrogates left
            assert not re.search(r"[\x00-\x1f\x7f]", sentence)


FILENAMES = st.sampled_from([None, "a.csv", "b.tsv", "c.txt", "noext", ".CSV", "x.tab"])


@given(st.text(), FILENAMES)
def test_any_text_never_raises(raw, filename):
    check_invariants(data.parse_labelled(raw, filename=filename), raw)


@given(st.binary(), FILENAMES)
def test_any_bytes_never_raise(raw, filename):
    check_invariants(data.parse_labelled(raw, filename=filename), raw)


PIECES = st.sampled_from(
    ["0", "1", "pos", "부정", "label", "\t", ",", '"', '""', "\n", "\r\n", "\r", " ", "\x00",
     "good", "나쁨", "👍", "\u202e", "<i>", "\ud800", "\ufeff", "x" * 600, "1.0"]
)  # fmt: skip


@given(st.lists(PIECES, max_size=400).map("".join), FILENAMES, st.booleans())
def test_text_built_from_tricky_pieces_never_raises(raw, filename, as_bytes):
    if as_bytes:
        raw = raw.encode("utf-8", "surrogatepass")
    check_invariants(data.parse_labelled(raw, filename=filename), raw)


WORDS = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S"), exclude_characters="\t,\"'"),
    min_size=1,
    max_size=8,
)
SPELLINGS = {0: ["0", "0.0", "neg", "NEGATIVE", "부정"], 1: ["1", "1.0", "Pos", "positive", "긍정"]}


@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 4), st.lists(WORDS, min_size=1, max_size=6)),
        min_size=data.MIN_ROWS,
        max_size=60,
    ),
    st.booleans(),
)
def test_written_rows_read_back_exactly(rows, as_csv):
    rows = [(0, 0, ["first"]), (1, 0, ["second"]), *rows]
    if as_csv:
        buffer = io.StringIO()
        csv.writer(buffer).writerows([SPELLINGS[y][k], " ".join(w)] for y, k, w in rows)
        raw, filename = buffer.getvalue(), "rows.csv"
    else:
        raw, filename = "".join(f"{SPELLINGS[y][k]}\t{' '.join(w)}\n" for y, k, w in rows), None
    parsed = data.parse_labelled(raw.encode("utf-8"), filename=filename)
    assert parsed.problem is None and parsed.bad == ()
    assert parsed.dataset.texts == tuple(" ".join(" ".join(w).split()) for _, _, w in rows)
    np.testing.assert_array_equal(parsed.dataset.labels, [y for y, _, _ in rows])


# Splits


@pytest.fixture(scope="module")
def en():
    return data.shipped("en")


def test_test_split_is_a_seeded_partition_with_the_pool_in_file_order(en):
    n = len(en)
    pool, test = data.test_split(n, seed=0)
    assert len(test) == n - math.floor(n * 0.8) and len(pool) == math.floor(n * 0.8)
    assert np.all(np.diff(pool) > 0) and np.all(np.diff(test) > 0)
    np.testing.assert_array_equal(np.sort(np.concatenate([pool, test])), np.arange(n))
    again = data.test_split(n, seed=0)
    np.testing.assert_array_equal(again[1], test)
    other = data.test_split(n, seed=1)
    assert not np.array_equal(other[1], test)
    # A random share: every source is in the test set, in about its share of the file.
    names, counts = data.group_counts(en, {"test": test, "all": np.arange(n)})
    assert np.all(np.abs(counts[0] / len(test) - counts[1] / n) < 0.05)


def test_validation_split_in_file_order_is_all_from_the_last_source(en):
    """The sorted-data lesson: Keras takes the last rows, and the file ends with yelp."""
    pool, _ = data.test_split(len(en), seed=0)
    train, validation = data.validation_split(data.order_pool(pool, en.labels, "file", 0), 0.2)
    names, counts = data.group_counts(en, {"train": train, "validation": validation})
    last = en.groups[-1]
    assert last == names[-1]
    assert set(en.groups[i] for i in validation) == {last}
    assert counts[1].tolist() == [0] * (len(names) - 1) + [len(validation)]
    # Training saw the other sources mostly: the last one is a minority of its rows.
    assert counts[0, -1] < counts[0].sum() / len(names)
    # A random held-out set of the same size draws from every source instead.
    h_train, h_validation = data.heldout(pool, 0.2, seed=0)
    assert len(h_validation) == len(validation)
    assert np.all(data.group_counts(en, {"v": h_validation})[1] > 0)


@pytest.mark.parametrize("name", ["en", "ko"])
def test_sorted_pool_gives_a_validation_part_of_one_class(name):
    dataset = data.shipped(name)
    pool, _ = data.test_split(len(dataset), seed=3)
    ordered = data.order_pool(pool, dataset.labels, "sorted", 3)
    assert np.all(np.diff(dataset.labels[ordered]) >= 0)
    for label in (0, 1):  # stable: each class keeps file order
        assert np.all(np.diff(ordered[dataset.labels[ordered] == label]) > 0)
    train, validation = data.validation_split(ordered, 0.2)
    counts = data.part_counts(dataset, {"train": train, "validation": validation})
    assert counts[1].tolist() == [0, len(validation)]
    assert counts[0, 0] > counts[0, 1]
    assert counts.sum() == len(pool)


def test_shuffled_pool_is_a_seeded_permutation(en):
    pool, _ = data.test_split(len(en), seed=0)
    a = data.order_pool(pool, en.labels, "shuffled", 5)
    np.testing.assert_array_equal(np.sort(a), pool)
    np.testing.assert_array_equal(a, data.order_pool(pool, en.labels, "shuffled", 5))
    assert not np.array_equal(a, data.order_pool(pool, en.labels, "shuffled", 6))
    assert not np.array_equal(a, pool)
    # Shuffled, Keras' last rows hold both classes and every source.
    _, validation = data.validation_split(a, 0.2)
    assert np.all(data.part_counts(en, {"v": validation}) > 0)
    assert np.all(data.group_counts(en, {"v": validation})[1] > 0)
    with pytest.raises(ValueError, match="'file', 'sorted' or 'shuffled'"):
        data.order_pool(pool, en.labels, "random", 0)


def test_heldout_is_seeded_and_keeps_pool_order(en):
    pool, _ = data.test_split(len(en), seed=0)
    ordered = data.order_pool(pool, en.labels, "shuffled", 1)
    train, validation = data.heldout(ordered, 0.25, seed=2)
    assert len(validation) == len(ordered) - math.floor(len(ordered) * 0.75)
    position = {row: i for i, row in enumerate(ordered)}
    for part in (train, validation):
        assert np.all(np.diff([position[row] for row in part]) > 0)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, validation])), np.sort(ordered))
    again = data.heldout(ordered, 0.25, seed=2)
    np.testing.assert_array_equal(again[1], validation)
    assert not np.array_equal(data.heldout(ordered, 0.25, seed=3)[1], validation)


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, float("nan"), True, "0.2"])
def test_splits_reject_shares_outside_zero_and_one(bad):
    pool = np.arange(50)
    for call in (
        lambda: data.validation_split(pool, bad),
        lambda: data.heldout(pool, bad, 0),
        lambda: data.test_split(50, 0, bad),
    ):
        with pytest.raises(ValueError, match="between 0 and 1"):
            call()


def test_splits_that_would_leave_a_part_empty_raise_like_keras():
    data.validation_split(np.arange(4), 0.1)  # ⌊4 · 0.9⌋ = 3 rows train, 1 validates
    for pool, share in ((np.arange(1), 0.5), (np.arange(2), 0.6), (np.arange(100), 1e-17)):
        with pytest.raises(ValueError, match="empty"):
            data.validation_split(pool, share)
        with pytest.raises(ValueError, match="empty"):
            data.heldout(pool, share, 0)
    with pytest.raises(ValueError, match="at least 2 rows"):
        data.test_split(1, 0)


# What the page shows


def test_peek_is_seeded_per_class_and_shortest_first(en):
    shown = data.peek(en, per_class=4, seed=0)
    assert sorted(shown) == [0, 1]
    for label, texts in shown.items():
        assert len(texts) == 4
        assert [len(t) for t in texts] == sorted(len(t) for t in texts)
        rows = [en.texts.index(t) for t in texts]
        assert all(en.labels[r] == label for r in rows)
    assert data.peek(en, per_class=4, seed=0) == shown
    assert data.peek(en, per_class=4, seed=1) != shown
    assert data.peek(en, per_class=0) == {0: [], 1: []}


def test_part_and_group_counts_add_up(en):
    pool, test = data.test_split(len(en), seed=0)
    train, validation = data.validation_split(pool, 0.2)
    parts = {"train": train, "validation": validation, "test": test}
    counts = data.part_counts(en, parts)
    assert counts.shape == (3, 2) and counts.dtype == np.int64
    assert counts.sum(axis=1).tolist() == [len(p) for p in parts.values()]
    assert tuple(counts.sum(axis=0)) == en.counts()
    names, groups = data.group_counts(en, parts)
    assert groups.shape == (3, len(names))
    assert groups.sum(axis=1).tolist() == [len(p) for p in parts.values()]
    assert groups.sum(axis=0).tolist() == [en.groups.count(name) for name in names]
    names, groups = data.group_counts(data.shipped("ko"), parts)
    assert names == [] and groups.shape == (3, 0)


# Keras' own split


@pytest.mark.keras
def test_validation_split_is_keras_own_rule(keras):
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split

    for n in (2, 3, 5, 10, 17, 99, 100, 2383):
        pool = data.order_pool(np.arange(n) * 3 + 1, np.zeros(3 * n + 1, int), "shuffled", n)
        for split in (0.01, 0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.75, 0.9, 0.99):
            try:
                theirs = train_validation_split((pool,), split)
            except ValueError:
                with pytest.raises(ValueError):
                    data.validation_split(pool, split)
                continue
            (their_train,), (their_validation,) = theirs
            ours = data.validation_split(pool, split)
            np.testing.assert_array_equal(ours[0], np.asarray(their_train))
            np.testing.assert_array_equal(ours[1], np.asarray(their_validation))


@pytest.mark.keras
def test_model_fit_validates_on_the_rows_we_call_validation(keras):
    """A frozen identity model with MAE loss on y = 0 reports the mean |x| of each part."""
    pool = data.order_pool(np.arange(1, 101), np.zeros(101, int), "shuffled", 4)
    train, validation = data.validation_split(pool, 0.2)
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mae", metrics=["mse"])
    x = pool.astype("float32")[:, None]
    history = model.fit(
        x, np.zeros_like(x), validation_split=0.2, epochs=1, batch_size=len(x), verbose=0
    )
    assert history.history["val_loss"][0] == pytest.approx(validation.mean(), rel=1e-6)
    assert history.history["val_mse"][0] == pytest.approx((validation**2).mean(), rel=1e-6)
    assert history.history["loss"][0] == pytest.approx(train.mean(), rel=1e-6)
