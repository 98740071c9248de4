"""Times read as a clock in Paris shows them, with the French 'h'."""
import datetime

from models.formatting import format_datetime, paris_time


def test_a_utc_time_is_shown_in_paris_time_winter_and_summer():
    assert format_datetime(datetime.datetime(2026, 12, 1, 21, 47), utc=True) == "01/12/2026 à 22 h 47"
    assert format_datetime(datetime.datetime(2026, 7, 14, 7, 5), utc=True) == "14/07/2026 à 9 h 05"
    assert paris_time(datetime.datetime(2026, 3, 29, 1, 30)) == datetime.datetime(2026, 3, 29, 3, 30)


def test_a_local_time_is_shown_as_it_is():
    assert format_datetime(datetime.datetime(2026, 11, 24, 9, 30)) == "24/11/2026 à 9 h 30"
    assert format_datetime(None) == ""
