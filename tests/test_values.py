"""Every value form SPEC §2 lists, and what is refused."""

from datetime import date, datetime, time

import pytest

from scheduler.values import clean, parse_bool, parse_date, parse_datetime, parse_duration, parse_hours, parse_list, parse_time

WEEK = date(2026, 12, 7)


@pytest.mark.parametrize("text,minutes", [("90", 90), ("90分钟", 90), ("1.5小时", 90), ("1小时30分", 90), ("1小时半", 90), ("２小时", 120), (" 45 ", 45), ("45min", 45)])
def test_durations(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "九十", "0", "-30", "1.25分钟", "半天"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text,day", [
    ("2026-12-01", date(2026, 12, 1)), ("2026/12/1", date(2026, 12, 1)), ("12月1日", date(2026, 12, 1)), ("１２月８日", date(2026, 12, 8)),
    ("2026年12月8日", date(2026, 12, 8)), ("2026-12-08 00:00:00", date(2026, 12, 8)), ("1月4日", date(2027, 1, 4)),
])
def test_dates(text, day):
    assert parse_date(text, WEEK) == day


@pytest.mark.parametrize("text,moment", [
    ("9:00", time(9)), ("09:00", time(9)), ("9点", time(9)), ("9点半", time(9, 30)), ("上午9:30", time(9, 30)), ("下午3点", time(15)),
    ("１４：３０", time(14, 30)), ("15:00:00", time(15)), ("晚上7点", time(19)),
])
def test_times(text, moment):
    assert parse_time(text) == moment


@pytest.mark.parametrize("text", ["9", "25:00", "下午", "九点", "9:75"])
def test_bad_times(text):
    with pytest.raises(ValueError):
        parse_time(text)


def test_date_times_hours_lists_and_yes_no():
    assert parse_datetime("12月8日下午3点", WEEK) == datetime(2026, 12, 8, 15)
    assert parse_datetime("2026-12-08 9:00", WEEK) == datetime(2026, 12, 8, 9)
    assert parse_hours("08:30-12:00") == (time(8, 30), time(12))
    assert parse_list("市发展改革委、市财政局,市住建局，市交通局;市公安局；各县（市、区）政府") == (
        "市发展改革委", "市财政局", "市住建局", "市交通局", "市公安局", "各县（市、区）政府",
    )
    assert (parse_bool("是", False), parse_bool("否", True), parse_bool("", True)) == (True, False, True)
    assert clean("　市长专题会：交通　") == "市长专题会：交通"  # Chinese punctuation stays as typed
