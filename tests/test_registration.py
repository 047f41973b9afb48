import pytest

from flightmap.registration import compact, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5UMBH", "5U-MBH"),
        ("5u mbh", "5U-MBH"),
        (" 5U-MBH ", "5U-MBH"),
        ("5u_mbh", "5U-MBH"),
        ("TZ98T", "TZ-98T"),
        ("EW412TH", "EW-412TH"),
        ("TL-KPA", "TL-KPA"),
        ("N12345", "N12345"),  # US marks carry no hyphen
        ("", ""),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_compact_ignores_case_and_hyphens():
    assert compact("5u-mbh") == compact("5UMBH") == "5UMBH"
