from __future__ import annotations

from core.text import fold, to_simplified, to_traditional


def test_fold_ignores_script_width_and_case() -> None:
    assert fold("比亞迪電子") == fold("比亚迪电子")
    assert fold("ＢＹＤ　Electronic") == "bydelectronic"
    assert fold("") == ""


def test_simplified_and_traditional_round_trip_for_names() -> None:
    assert to_simplified("臨港新片區") == "临港新片区"
    assert to_traditional("徐汇滨江") == "徐匯濱江"
