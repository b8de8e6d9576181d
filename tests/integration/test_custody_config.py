"""Issue 13 item 10: config values that pass validation must not break the till; the
loader never raises anything but a ConfigError (fuzzed)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ireti_till.adapters.config_file import DEFAULT_CONFIG, load_config
from ireti_till.domain.errors import ConfigError

_ASSIGN = re.compile(r"^([a-z_]+) = ")
_LINES = [i for i, line in enumerate(DEFAULT_CONFIG.splitlines()) if _ASSIGN.match(line)]


def _with(key: str, value: str) -> str:
    lines = DEFAULT_CONFIG.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(f"{key} = "))
    lines[i] = f"{key} = {value}"
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("key", "value"), [
    ("till_id", json.dumps("T01\n")),
    ("till_id", json.dumps("T01\r")),
    ("till_id", json.dumps("Ｔ01")),
    ("currency", json.dumps("EUR\n")),
])
def test_values_with_a_trailing_newline_or_odd_letters_are_refused(
        data_dir: Path, key: str, value: str) -> None:
    (data_dir / "config.toml").write_text(_with(key, value), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(data_dir)
    assert info.value.code == "IT-213" and key in str(info.value)


@pytest.mark.parametrize("rates", ["[1]", "[\"20%\"]", "[[1]]", "[{}]"])
def test_tax_rates_that_are_not_tables_are_refused(data_dir: Path, rates: str) -> None:
    text = re.sub(r"\[\[tax_rates\]\].*?(?=\n\[(?!\[tax)|\Z)", "", DEFAULT_CONFIG, flags=re.S)
    text = f"tax_rates = {rates}\n" + text
    (data_dir / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(data_dir)
    assert info.value.code.startswith("IT-21")


_scalar = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.floats(allow_nan=True).map(lambda f: repr(f).replace("inf", "inf").replace("nan", "nan")),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(max_size=24).map(json.dumps),
    st.sampled_from(["1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", '""', "'x'",
                     '"20%"', '"100.00001%"', '"T01\\n"', '"EUR"', '"sk_test_x"', "-0", "0x1f"]),
)
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), inner, max_size=3).map(
        lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"),
), max_leaves=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(_LINES), _value), min_size=1, max_size=4),
       extra=st.one_of(st.none(), st.text(max_size=40)))
def test_the_loader_never_raises_anything_but_a_config_error(
        edits: list[tuple[int, str]], extra: str | None) -> None:
    lines = DEFAULT_CONFIG.splitlines()
    for index, value in edits:
        key = _ASSIGN.match(lines[index])
        assert key is not None
        lines[index] = f"{key.group(1)} = {value}"
    if extra is not None:
        lines.insert(len(lines) // 2, extra)
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8",
                                            errors="surrogatepass")
        try:
            config = load_config(Path(tmp), key_present=lambda _mode: False)
        except ConfigError as exc:
            assert re.fullmatch(r"IT-21\d", exc.code), exc.code
            return
    # What loads must be usable: the till id is printable on a receipt and a barcode.
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,16}", config.store.till_id)
    assert all(0 <= r.rate <= 1 for r in config.store.tax_rates)


@pytest.mark.parametrize(("zone", "ok"), [("America/New_York", True), ("Mars/Olympus", False),
                                          ("../../etc/passwd", False), ("", True)])
def test_store_timezone(data_dir: Path, zone: str, ok: bool) -> None:
    text = DEFAULT_CONFIG.replace('till_id = "T01"', f'till_id = "T01"\ntimezone = "{zone}"', 1)
    (data_dir / "config.toml").write_text(text, encoding="utf-8")
    if ok:
        assert load_config(data_dir).store.timezone == zone
    else:
        with pytest.raises(ConfigError) as info:
            load_config(data_dir)
        assert info.value.code == "IT-213"


def test_doctor_fails_for_a_config_the_till_cannot_load(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ireti_till.commands import doctor

    text = re.sub(r"\[\[tax_rates\]\].*?(?=\n\[(?!\[tax)|\Z)", "", DEFAULT_CONFIG, flags=re.S)
    (data_dir / "config.toml").write_text("tax_rates = [1]\n" + text, encoding="utf-8")
    assert doctor.main(["--data-dir", str(data_dir)]) == 2
    out = capsys.readouterr().out
    assert "FAIL  config" in out and "IT-213" in out
