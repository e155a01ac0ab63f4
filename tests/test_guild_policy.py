from bot import guild_policy as policy
from bot.search.request import Mode
from bot.searches import SearchJob
from bot.store import GuildSettings, QuotaLimits

JOB = SearchJob(image_url="https://x/y.png", requester_id=1, channel_id=2, locale="zh-CN")


def test_language_follows_the_person_unless_the_server_fixed_one():
    assert policy.language(GuildSettings(), "zh-CN") == "zh-CN"
    assert policy.language(GuildSettings(language="en-US"), "zh-CN") == "en-US"


def test_reactions_of_listed_roles_only():
    assert policy.may_react(GuildSettings(), [])
    limited = GuildSettings(reaction_role_ids=(10, 11))
    assert policy.may_react(limited, [3, 11])
    assert not policy.may_react(limited, [3])


def test_channels_and_their_threads():
    assert policy.answers_in(GuildSettings(), 5)
    limited = GuildSettings(channel_ids=(5,))
    assert policy.answers_in(limited, 5)
    assert policy.answers_in(limited, 99, parent_id=5)
    assert not policy.answers_in(limited, 6)


def test_default_mode_and_emoji():
    assert policy.default_mode(GuildSettings(default_mode="product")) is Mode.PRODUCT
    assert policy.reaction_emoji(GuildSettings(), "🔍") == "🔍"
    assert policy.reaction_emoji(GuildSettings(reaction_emoji="👀"), "🔍") == "👀"


def test_apply_sets_quotas_pictures_and_exemption():
    settings = GuildSettings(
        hits_per_page=8, member_daily_quota=3, member_cooldown_seconds=0, language="en-US"
    )
    job = policy.apply(JOB, settings, moderator=True, age_restricted=False)
    assert job.hits_per_page == 8 and job.locale == "en-US"
    assert job.quota == QuotaLimits(member_daily=3, guild_daily=200, member_cooldown_seconds=0)
    assert job.exempt and not job.show_pictures
    strict = GuildSettings(exempt_moderators=False, hide_pictures=False)
    job = policy.apply(JOB, strict, moderator=True, age_restricted=False)
    assert not job.exempt and job.show_pictures
    assert policy.apply(JOB, GuildSettings(), moderator=False, age_restricted=True).show_pictures
