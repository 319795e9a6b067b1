from datetime import UTC, datetime, timedelta

from django.template.defaultfilters import date as date_filter

from blog.templatetags.blog import isotime, longdate


def test_longdate_matches_djangos_date_filter_every_day_of_a_leap_year():
    day = datetime(2024, 1, 1, 12, 30, tzinfo=UTC)
    for _ in range(366):
        assert longdate(day) == date_filter(day, "l, F jS, Y")
        day += timedelta(days=1)


def test_longdate_reads_like_the_design():
    assert longdate(datetime(2020, 1, 19, 15, tzinfo=UTC)) == "Sunday, January 19th, 2020"
    assert longdate(None) == ""


def test_isotime_has_no_fraction_of_a_second():
    assert isotime(datetime(2020, 1, 19, 15, 0, 1, 123456, tzinfo=UTC)) == "2020-01-19T15:00:01+00:00"
