"""The address policy and link checks: pure, no network."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.images.guard import AddressPolicy, check_url, redact
from bot.search.errors import ErrorCode, SearchError

NOTHING = AddressPolicy()

BLOCKED = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",  # ULA
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "not an address",
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",  # just below CGNAT
    "100.128.0.0",  # just above
    "172.32.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
]


@pytest.mark.parametrize("ip", BLOCKED)
def test_special_addresses_are_blocked(ip: str) -> None:
    assert NOTHING.is_blocked(ip)


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_pass(ip: str) -> None:
    assert not NOTHING.is_blocked(ip)
    assert not NOTHING.is_blocked(ipaddress.ip_address(ip))


def test_policy_allows_listed_addresses_networks_and_names() -> None:
    policy = AddressPolicy(("127.0.0.1", "10.0.0.0/8", " cdn.lan ", "[fd00::1]", ""))
    assert not policy.is_blocked("127.0.0.1")
    assert not policy.is_blocked("::ffff:127.0.0.1")  # same address, mapped
    assert policy.is_blocked("127.0.0.2")
    assert not policy.is_blocked("10.200.3.4")
    assert not policy.is_blocked("fd00::1")
    assert policy.is_blocked("fd00::2")
    assert policy.is_blocked("192.168.1.5")
    assert policy.is_blocked("169.254.169.254")
    # A listed name may reach any address it resolves to; other names may not.
    assert not policy.is_blocked("192.168.1.5", host="CDN.lan.")
    assert policy.is_blocked("192.168.1.5", host="other.lan")


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "10.0.0.0/8/1", "fe80::zz"])
def test_bad_allow_entry_fails_fast(entry: str) -> None:
    with pytest.raises(ValueError, match="CIDR"):
        AddressPolicy((entry,))


@given(st.ip_addresses(v=4))
def test_mapped_ipv6_is_judged_like_its_ipv4(ip: ipaddress.IPv4Address) -> None:
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    assert NOTHING.is_blocked(mapped) == NOTHING.is_blocked(ip)


@given(
    st.one_of(
        st.ip_addresses(network="10.0.0.0/8"),
        st.ip_addresses(network="172.16.0.0/12"),
        st.ip_addresses(network="192.168.0.0/16"),
        st.ip_addresses(network="127.0.0.0/8"),
        st.ip_addresses(network="169.254.0.0/16"),
        st.ip_addresses(network="100.64.0.0/10"),
        st.ip_addresses(network="fc00::/7"),
        st.ip_addresses(network="fe80::/10"),
    )
)
def test_whole_private_ranges_are_blocked(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    assert NOTHING.is_blocked(ip)


# --- check_url ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.discordapp.com/attachments/1/2/cat.png?ex=abc&is=def&hm=123",
        "http://example.com:8080/a.jpg",
        "HTTPS://Example.COM/a.jpg",
        "http://8.8.8.8/x.png",
        "http://[2606:4700:4700::1111]/x.png",
    ],
)
def test_public_links_pass(url: str) -> None:
    assert str(check_url(url, NOTHING)).lower() == url.lower()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/a.png",
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "gopher://example.com/",
        "//example.com/a.png",  # no scheme
        "example.com/a.png",
        "",
        "http://user:secret@example.com/a.png",
        "http://user@example.com/a.png",
        "http:///a.png",
        "http://./a.png",
        "http://134744072/a.png",  # 8.8.8.8 in a legacy form aiohttp refuses
    ],
)
def test_bad_links(url: str) -> None:
    with pytest.raises(SearchError) as info:
        check_url(url, NOTHING)
    assert info.value.code == ErrorCode.BAD_LINK
    assert "secret" not in info.value.detail


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:8080/a.png",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://0.0.0.0/",
        "http://[fe80::1%25eth0]/",
        # Legacy numeric forms that libc would map onto loopback.
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://0/",
    ],
)
def test_literal_private_addresses_are_blocked(url: str) -> None:
    with pytest.raises(SearchError) as info:
        check_url(url, NOTHING)
    assert info.value.code == ErrorCode.BLOCKED_ADDRESS


def test_allowed_literal_address_passes() -> None:
    policy = AddressPolicy(("127.0.0.1",))
    assert check_url("http://127.0.0.1:1234/a.png", policy).port == 1234
    with pytest.raises(SearchError) as info:
        check_url("http://127.0.0.2:1234/a.png", policy)
    assert info.value.code == ErrorCode.BLOCKED_ADDRESS


def test_host_names_are_left_to_the_resolver() -> None:
    # "localhost" is judged after DNS (fetch.GuardedResolver), not by its name.
    assert check_url("http://localhost/a.png", NOTHING).host == "localhost"


def test_details_never_show_query_strings() -> None:
    with pytest.raises(SearchError) as info:
        check_url("http://10.0.0.1/img.png?token=SECRET#frag", NOTHING)
    assert info.value.detail.endswith("http://10.0.0.1/img.png")
    assert "SECRET" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://cdn.discordapp.com/a/b.png?ex=1&hm=SIG", "https://cdn.discordapp.com/a/b.png"),
        ("http://u:pw@example.com:81/x#y", "http://example.com:81/x"),
        ("not a link", "<relative link>"),
    ],
)
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_redact_truncates_long_paths() -> None:
    assert len(redact("https://example.com/" + "a" * 1000)) == 200
