"""The /imagesearch screens: what a moderator reads, and that each fits Discord's limits."""

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.present.admin import (
    CUSTOM_ID_PREFIX,
    AdminAction,
    HistoryQuery,
    admin_custom_id,
    forget_screen,
    forgotten_embed,
    history_csv,
    history_screen,
    parse_admin_custom_id,
    record_embeds,
    settings_embed,
    usage_embed,
)
from bot.search.events import Hit
from bot.store import (
    DEFAULT_GUILD_SETTINGS,
    DayUsage,
    HistoryPage,
    MemberUsage,
    SearchRecord,
    SearchStatus,
    UsageFigures,
    UsageReport,
)

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
HOSTILE = (
    Hit(1, "@everyone look **x** [click](https://evil.example)", "https://a.example/1.jpg", "a"),
    Hit(2, "<@&123456789012345678> `code` ||spoiler||", "javascript:alert(1)", "b.example"),
)


def record(number=0, **changes):
    base = SearchRecord(
        search_id=f"{number:012x}",
        guild_id=111111111111111111,
        channel_id=222222222222222222,
        user_id=333333333333333333 + number,
        entry_point="slash",
        mode="source",
        question="",
        language="en-US",
        image_sha256=None,
        source_message_url=None,
        private=False,
        instance="",
        status=SearchStatus.DONE,
        started_at=NOW - timedelta(minutes=number),
        finished_at=NOW,
        reply_channel_id=222222222222222222,
        reply_message_id=444444444444444444 + number,
        error_code=None,
        hits=HOSTILE,
        answer="The photo was first posted in 2019.",
        input_tokens=4186,
        output_tokens=120,
        image_searches=1,
        estimated_cost=0.048,
        response_id="resp_1",
    )
    return replace(base, **changes)


def size(embeds):
    total = 0
    for e in embeds:
        d = e.to_dict()
        total += len(d.get("title", "")) + len(d.get("description", ""))
        total += len(d.get("footer", {}).get("text", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in d.get("fields", []))
    return total


def assert_fits(embeds):
    for e in embeds:
        d = e.to_dict()
        assert len(d.get("title", "")) <= 256
        assert len(d.get("description", "")) <= 4096
        assert len(d.get("fields", [])) <= 25
        for f in d.get("fields", []):
            assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
    assert size(embeds) <= 6000


# --- settings ---------------------------------------------------------------------------------


def fields(embed):
    return {f.name: f.value for f in embed.fields}


def test_settings_show_every_setting_as_a_moderator_reads_it():
    embed = settings_embed(DEFAULT_GUILD_SETTINGS, "en", default_emoji="🔍")
    shown = fields(embed)
    assert len(shown) == 14
    assert shown["Reaction emoji"] == "🔍 (the bot's default)"
    assert shown["Who may search by reacting"] == "Everyone"
    assert shown["Channels where the bot answers"] == "All channels"
    assert shown["Default mode"] == "source"
    assert shown["Answer language"] == "Each person's Discord language"
    assert shown["Hits per page"] == "5"
    assert shown["Hide pictures outside age-restricted channels"] == "Yes"
    assert shown["Search image menu answers privately"] == "No"
    assert shown["Moderator log channel"] == "None"
    assert shown["Searches per member per day"] == "20 per day"
    assert shown["Searches per server per day"] == "200 per day"
    assert shown["Cooldown per member"] == "30 s"
    assert shown["Moderators skip limits"] == "Yes"
    assert shown["Keep search history for"] == "30 days"
    assert embed.description is None
    assert_fits([embed])


def test_settings_show_roles_and_channels_as_mentions_and_what_was_saved():
    settings = replace(
        DEFAULT_GUILD_SETTINGS,
        reaction_role_ids=(10**17, 10**17 + 1),
        channel_ids=(2 * 10**17,),
        mod_log_channel_id=3 * 10**17,
        member_daily_quota=None,
        member_cooldown_seconds=0,
        language="zh-CN",
    )
    embed = settings_embed(settings, "en", default_emoji="🔍", saved=("hits_per_page", "language"))
    shown = fields(embed)
    assert shown["Who may search by reacting"] == f"<@&{10**17}>\n<@&{10**17 + 1}>"
    assert shown["Channels where the bot answers"] == f"<#{2 * 10**17}>"
    assert shown["Moderator log channel"] == f"<#{3 * 10**17}>"
    assert shown["Searches per member per day"] == "Unlimited"
    assert shown["Cooldown per member"] == "Off"
    assert shown["Answer language"] == "zh-CN"
    assert embed.description == "✅ Saved: Hits per page, Answer language."


def test_fifty_roles_and_channels_stay_inside_a_field():
    ids = tuple(10**18 + i for i in range(50))
    settings = replace(DEFAULT_GUILD_SETTINGS, reaction_role_ids=ids, channel_ids=ids)
    embed = settings_embed(settings, "en", default_emoji="🔍")
    roles = fields(embed)["Who may search by reacting"]
    assert roles.endswith("more") and "…and " in roles
    assert_fits([embed])


def test_settings_in_chinese():
    embed = settings_embed(DEFAULT_GUILD_SETTINGS, "zh-CN", default_emoji="🔍")
    assert embed.title == "⚙️ 图片搜索设置"
    assert fields(embed)["每页结果数"] == "5"
    assert fields(embed)["谁可以用表情触发搜索"] == "所有人"


# --- history ----------------------------------------------------------------------------------


def test_a_history_line_says_when_who_how_and_what_came_of_it():
    one = record(source_message_url="https://discord.com/channels/1/2/3", entry_point="menu")
    screen = history_screen(HistoryPage((one,), 1), HistoryQuery(), "en")
    (embed,) = screen.embeds
    line = embed.description.splitlines()[-1]
    assert line.startswith(f"`1.` <t:{int(one.started_at.timestamp())}:R> · <@{one.user_id}>")
    assert "Search image · source · ✅ done · 2 hits" in line
    assert "[message](https://discord.com/channels/1/2/3)" in line
    assert f"[answer](https://discord.com/channels/{one.guild_id}/{one.channel_id}/" in line
    assert embed.description.startswith("1 search\n")


def test_a_private_or_failed_search_says_so_and_hides_its_answer_link():
    one = record(private=True, status=SearchStatus.FAILED, error_code="timeout", hits=())
    (embed,) = history_screen(HistoryPage((one,), 1), HistoryQuery(), "en").embeds
    line = embed.description.splitlines()[-1]
    assert "⚠️ failed (timeout) · 0 hits · 🔒" in line
    assert "[answer]" not in line


def test_a_hundred_searches_page_by_ten_with_an_open_menu_and_export():
    records = tuple(record(n) for n in range(10, 20))
    query = HistoryQuery(member_id=5, days=7, page=1)
    screen = history_screen(HistoryPage(records, 100), query, "en")
    (embed,) = screen.embeds
    assert embed.footer.text == "Page 2/10"
    assert embed.description.startswith("100 searches · by <@5> · in the last 7 days")
    assert embed.description.splitlines()[2].startswith("`11.`")
    assert_fits(screen.embeds)
    assert screen.select is not None
    assert screen.select.custom_id == "iadmin:open:5:7:1"
    assert [value for _label, value, _about in screen.select.options] == [
        r.search_id for r in records
    ]
    assert all(len(label) <= 100 for label, _v, _d in screen.select.options)
    labels = [b.label for b in screen.buttons]
    assert labels == ["Previous", "2/10", "Next", "Export (CSV)"]
    previous, _counter, following, export = screen.buttons
    assert previous.custom_id == "iadmin:page:5:7:0" and not previous.disabled
    assert following.custom_id == "iadmin:page:5:7:2"
    assert export.custom_id == "iadmin:export:5:7"
    assert all(len(b.custom_id) <= 100 for b in screen.buttons)


def test_the_last_page_cannot_go_further_and_an_empty_history_offers_nothing():
    screen = history_screen(HistoryPage((record(),), 11), HistoryQuery(page=1), "en")
    assert screen.buttons[2].disabled and not screen.buttons[0].disabled
    empty = history_screen(HistoryPage((), 0), HistoryQuery(), "en")
    assert "No searches recorded." in empty.embeds[0].description
    assert empty.select is None and empty.buttons == []


def test_open_menu_descriptions_are_plain_and_bounded():
    long_question = "why? " * 100 + "\u202e"
    screen = history_screen(HistoryPage((record(question=long_question),), 1), HistoryQuery(), "en")
    assert screen.select is not None
    (_label, _value, about) = screen.select.options[0]
    assert len(about) <= 100 and "\u202e" not in about


def test_custom_ids_round_trip_and_reject_foreign_or_broken_ones():
    value = admin_custom_id(AdminAction.PAGE, *HistoryQuery(7, None, 3).args())
    assert value == f"{CUSTOM_ID_PREFIX}:page:7:0:3"
    action, args = parse_admin_custom_id(value)
    assert action is AdminAction.PAGE
    assert HistoryQuery.from_args(args) == HistoryQuery(7, None, 3)
    assert parse_admin_custom_id("isearch:page:abc:1") is None
    assert parse_admin_custom_id("iadmin:nonsense") is None
    assert HistoryQuery.from_args(["x", "0", "0"]) is None
    assert HistoryQuery.from_args(["1"]) is None


# --- one search -------------------------------------------------------------------------------


def test_a_search_shows_its_hits_inert_and_its_answer():
    details, answer = record_embeds(record(question="@here who?"), "en")
    assert details.title == f"Search {record().search_id}"
    text = details.description
    assert "@everyone" not in text and "@\u200beveryone" in text
    assert "\\*\\*x\\*\\*" in text
    assert "\\[click\\]" in text
    assert "javascript:" not in text
    assert "(https://a.example/1.jpg) · a" in text
    assert "<@&123456789012345678>" not in text
    assert fields(details)["Question"] == "@\u200bhere who?"
    assert fields(details)["Usage"] == "1 image search · 4,306 tokens · ¥0.048"
    assert answer.description == "The photo was first posted in 2019."
    assert_fits([details, answer])


def test_a_hundred_hits_and_a_huge_answer_fit_one_message():
    hits = tuple(
        Hit(i, "**x** @everyone " * 20, f"https://h{i}.example/" + "p" * 300, "h.example")
        for i in range(1, 101)
    )
    embeds = record_embeds(record(hits=hits, answer="word " * 5000, question="q" * 3000), "en")
    assert_fits(embeds)
    assert "…and " in embeds[0].description
    assert embeds[1].description.endswith("…")


def test_a_search_without_hits_or_answer_says_so():
    details, answer = record_embeds(record(hits=(), answer=""), "en")
    assert "No matching images." in details.description
    assert answer.description == "(no answer)"


# --- usage ------------------------------------------------------------------------------------


def figures(n):
    return UsageFigures(n, n, 1000 * n, 100 * n, 0.048 * n)


def test_usage_shows_totals_top_members_and_days():
    report = UsageReport(
        days=(DayUsage(date(2025, 3, 13), figures(1)), DayUsage(date(2025, 3, 14), figures(2))),
        members=(MemberUsage(42, figures(2)), MemberUsage(43, figures(1))),
        total=figures(3),
    )
    embed = usage_embed(report, 30, "en", price_per_1000=48.0)
    assert embed.title == "📊 Usage in the last 30 days"
    assert fields(embed) == {
        "Searches": "3",
        "Image searches": "3",
        "Tokens": "3,300",
        "Estimated cost": "¥0.144",
    }
    lines = embed.description.splitlines()
    assert lines[0] == "**Top members**"
    assert lines[1] == "`1.` <@42> · 2 searches · 2 image searches · 2,200 tokens · ¥0.096"
    assert lines[5] == "`2025-03-14` 2 searches · 2 image searches · 2,200 tokens · ¥0.096"
    assert embed.footer.text.startswith("Cost estimated at ¥48 per 1,000 image searches")


def test_a_year_of_usage_and_a_hundred_members_fit_keeping_the_newest_days():
    start = date(2024, 1, 1)
    report = UsageReport(
        days=tuple(DayUsage(start + timedelta(days=i), figures(999)) for i in range(365)),
        members=tuple(MemberUsage(10**18 + i, figures(99_999)) for i in range(100)),
        total=figures(10**6),
    )
    embed = usage_embed(report, 365, "en", price_per_1000=48.0)
    assert_fits([embed])
    assert embed.description.count("<@") == 10
    assert "`2024-12-30`" in embed.description  # the newest days are the ones kept
    assert "`2024-01-01`" not in embed.description
    assert "more" in embed.description


def test_usage_without_searches_says_so():
    embed = usage_embed(UsageReport((), (), UsageFigures()), 30, "zh-CN", price_per_1000=48.0)
    assert embed.description == "这段时间内没有搜索。"
    assert fields(embed)["估计费用"] == "¥0.000"


# --- forget-me ---------------------------------------------------------------------------------


def test_forget_me_asks_first_and_then_says_how_many():
    screen = forget_screen(7, 3, "en")
    assert "3 searches" in screen.embeds[0].description
    assert [b.custom_id for b in screen.buttons] == ["iadmin:forget:7", "iadmin:keep:7"]
    assert forget_screen(7, 0, "en").buttons == []
    assert forgotten_embed(1, "en").description == (
        "Deleted 1 search of yours from this server's history."
    )
    assert forgotten_embed(None, "en").description == "Nothing was deleted."


# --- CSV ----------------------------------------------------------------------------------


def test_history_csv_has_every_search_and_no_formulas():
    records = [record(n) for n in range(100)]
    records[0] = record(0, question='=HYPERLINK("http://x")', hits=(Hit(1, "t", "+1", "h"),))
    records[1] = record(1, question="猫はどこ？")
    data = history_csv(records)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["started_at", "search_id", "user_id"]
    assert len(rows) == 101
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["question"].startswith("'=")
    assert first["first_hit_url"] == "'+1"
    assert first["status"] == "done" and first["hits"] == "1"
    assert dict(zip(header, rows[2], strict=True))["question"] == "猫はどこ？"
