"""1b. The worst lesson links: what one pasted link costs the server on its first run.

Each link asks for as much work as the URL allows (64 lines padded to 512 tokens, width and
units 512, twelve blocks, the lab's heaviest sections). The work budget (layers/cost.py) must
refuse them with a message, so their first run costs little. Next to each, its *fitted* twin:
the same link lowered to the refusal's first suggestion, the costliest request the budget lets
through, which really computes and draws. Both are timed as bench/cost.py times a page (the
script run itself, under AppTest, a new seed each time so that no cache helps) and must stay
within about a second.

The links and their twins are also what the class's extra run sends (bench/klass.py): one
session that pastes them over and over while thirty students move their sliders.
"""

from __future__ import annotations

import time
from pathlib import Path

from .report import Figure

SECTION = "1b. Worst lesson links: the first run's server time (AppTest, script run timed)"
REFUSAL_ICON = "⏳"  # ui/compute.over_budget's warning


def one_line(n: int = 512) -> str:
    """One line of n distinct words: n tokens."""
    return " ".join(f"w{i}" for i in range(n))


def padded_batch(lines: int = 64, n: int = 512) -> str:
    """`lines` lines padded to n tokens: one line of n words and short ones (the text cap
    of 20,000 characters leaves no room for 64 lines of 512 real words; padding does it)."""
    return "\n".join([one_line(n), *(f"x{i}" for i in range(1, lines))])


def _stack(kind: str, n: int = 11) -> str:
    return ",".join(["embed", *[kind] * n])  # twelve blocks: the most a stack may have


# name -> (page's url path, URL parameters)
WORST: dict[str, tuple[str, dict[str, str]]] = {
    "bilstm12": ("", {"text": one_line(), "d": "512", "units": "512", "stack": _stack("bilstm")}),
    "attention12": ("", {"text": padded_batch(), "d": "512", "stack": _stack("attention")}),
    "default64": ("", {"text": padded_batch()}),
    "encoder12": ("", {"text": one_line(), "d": "512", "heads": "8", "stack": _stack("encoder")}),
    "bigru12": ("", {"text": one_line(), "units": "512", "stack": _stack("bigru")}),
    "lab-compare": ("lab", {"text": padded_batch(), "d": "512", "section": "compare"}),
    "lab-dropout": ("lab", {"text": padded_batch(), "d": "512", "section": "dropout"}),
    "lab-residual": ("lab", {"text": padded_batch(), "d": "512", "section": "residual"}),
    "lab-attention": (
        "lab",
        {"text": padded_batch(), "d": "512", "section": "residual", "sublayer": "attention"},
    ),
}


def _settings(query: dict[str, str]):
    from ui.settings import parse_query

    return parse_query(query)[0]


def estimate(path: str, query: dict[str, str]):
    """The cost model's estimate of a link and its suggestions, as the page computes them."""
    from ui import compute

    s = _settings(query)
    if path == "lab":
        return compute.lab_estimate(s), compute.lab_suggestions(s)
    return compute.stack_estimate(s), compute.stack_suggestions(s)


def fitted(path: str, query: dict[str, str]) -> tuple[dict[str, str], str]:
    """The link lowered to its first suggestion (the one that changes least), and how."""
    est, found = estimate(path, query)
    if est.fits:  # within the budget as it is: it computes, and that is what is timed
        return query, "nothing: it fits as it is"
    if not found:
        return query, "no single suggestion"
    s = found[0]
    query = dict(query)
    text = query.get("text", "")
    if s.setting == "tokens":
        lines = text.split("\n")
        query["text"] = "\n".join(" ".join(line.split()[: s.value]) for line in lines)
    elif s.setting == "lines":
        query["text"] = "\n".join(text.split("\n")[: s.value])
    elif s.setting == "blocks":
        names, kept, seen = query["stack"].split(","), [], 0
        for name in names:
            seen += name == s.block
            if name != s.block or seen <= s.value:
                kept.append(name)
        query["stack"] = ",".join(kept)
    else:
        query[s.setting] = str(s.value)
    what = f"{s.block} blocks" if s.setting == "blocks" else s.setting
    return query, f"{what} {s.now} → {s.value}"


def _first_run(path: str, query: dict[str, str], seed: int):
    """The link's first run under AppTest: (script run seconds, refused, exceptions)."""
    from .cost import first_run

    seconds, at = first_run(f"views/{path or 'follow'}.py", {**query, "seed": str(seed)})
    refused = any(w.icon == REFUSAL_ICON for w in at.warning)
    return seconds, refused, [e.message for e in at.exception]


def measure(*, reps: int) -> list[Figure]:
    _first_run("", {"text": "warm up"}, seed=99_999)  # imports and first calls
    figures = []
    seed = 100_000
    for name, (path, query) in WORST.items():
        page = Path(f"views/{path or 'follow'}.py").stem
        est, _ = estimate(path, query)
        for variant, (q, how) in (("", (query, "")), ("/fitted", fitted(path, query))):
            times, errors, refusals = [], [], 0
            for _ in range(reps):
                seed += 1
                seconds, refused, exceptions = _first_run(path, q, seed)
                times.append(seconds * 1000)
                refusals += refused
                errors += exceptions
            if variant:
                est_q, _ = estimate(path, q)
                note = (
                    f"lowered: {how}; estimated {est_q.seconds:.2f} s; "
                    f"{'refused' if refusals else 'computed'}"
                )
            else:
                note = (
                    f"estimated {est.seconds:.1f} s, {est.bytes / 1e6:,.0f} MB; "
                    f"refused {refusals} of {reps}"
                )
            if errors:
                note += "; errors: " + "; ".join(sorted(set(errors))[:2])
            figures.append(
                Figure(
                    f"worst/{name}{variant}",
                    SECTION,
                    f"{page}, {name}" + (" lowered to fit" if variant else ": first run"),
                    "ms",
                    times,
                    "worst/server",
                    judge="max",
                    note=note,
                ).finish()
            )
            if errors:
                figures[-1].verdict = "miss"
    return figures


def pasted_links() -> list[tuple[str, dict[str, str]]]:
    """(page url path, URL parameters) of every worst link and of its lowered-to-fit twin, in
    turn: what the class's pasting session sends (the twin is the costliest that computes)."""
    links = []
    for path, query in WORST.values():
        links += [(path, query), (path, fitted(path, query)[0])]
    return links


if __name__ == "__main__":  # a quick look: estimate and suggestions of every link
    start = time.perf_counter()
    for name, (path, query) in WORST.items():
        est, found = estimate(path, query)
        print(f"{name:14} {est.seconds:6.2f} s {est.bytes / 1e6:7.0f} MB  {fitted(path, query)[1]}")
    print(f"({time.perf_counter() - start:.2f} s)")
