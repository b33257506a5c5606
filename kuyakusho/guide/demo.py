"""The demo ward's notices (お知らせ), dated around the ward's 'today'."""

from __future__ import annotations

from datetime import date, timedelta

from .models import Notice


def create_demo_notices(today: date) -> int:
    if Notice.objects.exists():
        return 0
    year_end = date(today.year if today.month < 12 or today.day < 29 else today.year + 1, 12, 29)
    notices = [
        (today - timedelta(days=2), "年末年始の窓口の休業", "Counters closed over the New Year",
         f"{year_end.month}月{year_end.day}日から1月3日まで、区民事務所の窓口は休業します。"
         "住民票の写しなどは、コンビニエンスストアで取得できます（12月29日から1月3日を除く）。",
         f"Ward service centers are closed from {year_end:%B} {year_end.day} to January 3. Certificates can be"
         " obtained at convenience stores (except December 29 to January 3)."),
        (today - timedelta(days=9), "混雑状況をウェブでお知らせしています", "Live congestion on the web",
         "区民事務所の待ち人数と待ち時間の目安を、このサイトの「窓口の混雑状況」でご覧いただけます。",
         "See how many people are waiting at each ward service center, and for how long, on the congestion page."),
        (today - timedelta(days=30), "3月・4月は窓口が混み合います", "March and April are the busiest months",
         "引っ越しの多い3月下旬から4月上旬は、待ち時間が1時間を超えることがあります。"
         "土曜日の臨時開庁もご利用ください。",
         "From late March to early April waits can exceed an hour. Extra Saturday openings are available."),
    ]
    Notice.objects.bulk_create(Notice(published_on=d, title_ja=tj, title_en=te, body_ja=bj, body_en=be)
                               for d, tj, te, bj, be in notices)
    return len(notices)
