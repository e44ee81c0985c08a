"""Key set parsing and the KeyCache policy: max-age, rotation, rate limit, failure tolerance."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from rp_fakes import NOW, FakeIdp, jwk, pem_cert, test_key

from signon.rp import CertsUnavailable, KeyCache, UnknownKey
from signon.rp.keyset import KeySetError, max_age, parse_key_set


def cache(idp: FakeIdp, **kwargs: float) -> KeyCache:
    return KeyCache(
        "https://www.googleapis.com/oauth2/v3/certs",
        clock=idp.clock,
        http=httpx.Client(transport=idp.transport),
        async_http=httpx.AsyncClient(transport=idp.transport),
        **kwargs,
    )


# --- parsing --------------------------------------------------------------------------------


def test_parse_key_set_jwks_and_pem_map_give_same_keys() -> None:
    key = test_key("k1")
    from_jwks = parse_key_set({"keys": [jwk("a", key)]})["a"]
    from_pem = parse_key_set({"a": pem_cert(key)})["a"]
    assert (
        from_jwks.public_numbers() == from_pem.public_numbers() == key.public_key().public_numbers()
    )


def test_parse_key_set_accepts_padded_jwk_numbers() -> None:
    key = test_key("k1")
    padded = jwk("a", key)
    padded["n"] += "=" * (-len(padded["n"]) % 4)
    padded["e"] += "=" * (-len(padded["e"]) % 4)
    assert padded["n"].endswith("=") or padded["e"].endswith("=")
    assert (
        parse_key_set({"keys": [padded]})["a"].public_numbers() == key.public_key().public_numbers()
    )


def test_parse_key_set_skips_non_rsa_and_encryption_keys() -> None:
    keys = parse_key_set(
        {
            "keys": [
                {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
                {**jwk("enc", test_key("k1")), "use": "enc"},
                {**jwk("rs512", test_key("k1")), "alg": "RS512"},
                {k: v for k, v in jwk("nokid", test_key("k1")).items() if k != "kid"},
                jwk("good", test_key("k1")),
            ]
        }
    )
    assert list(keys) == ["good"]


@pytest.mark.parametrize(
    "document",
    [[], {"keys": {}}, {"keys": [{"kty": "RSA", "kid": "a", "n": "!!", "e": "AQAB"}]},
     {"keys": [{"kty": "RSA", "kid": "a"}]}, {"a": "not a pem"}, {"a": 1}],
)  # fmt: skip
def test_parse_key_set_rejects_broken_documents(document: object) -> None:
    with pytest.raises(KeySetError):
        parse_key_set(document)


@pytest.mark.parametrize(
    ("cache_control", "age", "expected"),
    [
        ("public, max-age=21155, must-revalidate, no-transform", None, 21155.0),
        ("public, max-age=24873, must-revalidate, no-transform", "873", 24000.0),
        ("max-age=100", "500", None),
        ("no-store", None, None),
        ("no-cache, no-store, max-age=0, must-revalidate", None, None),
        ("private", None, None),
        (None, None, None),
    ],
)
def test_max_age(cache_control: str | None, age: str | None, expected: float | None) -> None:
    assert max_age(cache_control, age) == expected


# --- caching policy -------------------------------------------------------------------------


def test_keys_are_fetched_once_and_served_from_memory(idp: FakeIdp) -> None:
    keys = cache(idp)
    assert keys.get("k1") is keys.get("k1")
    keys.get("k2")
    assert idp.fetches == 1


def test_cache_control_max_age_is_honoured(idp: FakeIdp) -> None:
    keys = cache(idp)
    keys.get("k1")
    idp.clock.now = NOW + 3599
    keys.get("k1")
    assert idp.fetches == 1
    idp.clock.now = NOW + 3600
    keys.get("k1")
    assert idp.fetches == 2


@pytest.mark.parametrize("header", [None, "no-store"])
def test_missing_or_no_store_cache_control_uses_300_s_default(
    idp: FakeIdp, header: str | None
) -> None:
    idp.headers = {"cache-control": header} if header else {}
    keys = cache(idp)
    keys.get("k1")
    idp.clock.now = NOW + 299
    keys.get("k1")
    assert idp.fetches == 1
    idp.clock.now = NOW + 300
    keys.get("k1")
    assert idp.fetches == 2


def test_huge_max_age_is_capped_at_a_day(idp: FakeIdp) -> None:
    idp.headers = {"cache-control": "max-age=31536000"}
    keys = cache(idp)
    keys.get("k1")
    idp.clock.now = NOW + 86400
    keys.get("k1")
    assert idp.fetches == 2


def test_rotation_new_kid_triggers_one_refetch(idp: FakeIdp) -> None:
    keys = cache(idp)
    keys.get("k1")
    idp.keys["k3"] = test_key("k3")
    assert keys.get("k3").public_numbers() == test_key("k3").public_key().public_numbers()
    assert idp.fetches == 2


def test_rotation_removed_kid_is_refused_after_expiry(idp: FakeIdp) -> None:
    keys = cache(idp)
    keys.get("k1")
    del idp.keys["k1"]
    idp.clock.now = NOW + 3600
    with pytest.raises(UnknownKey, match="'k1' is not among the keys"):
        keys.get("k1")


def test_bogus_kid_flood_fetches_at_most_once_per_window(idp: FakeIdp) -> None:
    keys = cache(idp)
    keys.get("k1")
    for i in range(100):
        with pytest.raises(UnknownKey):
            keys.get(f"bogus-{i}")
        idp.clock.now += 0.25  # 100 tokens over 25 s
    assert idp.fetches == 2  # the initial load and one refetch
    idp.clock.now = NOW + 30
    with pytest.raises(UnknownKey):
        keys.get("bogus-again")
    assert idp.fetches == 3


def test_refetch_interval_is_configurable(idp: FakeIdp) -> None:
    keys = cache(idp, min_refetch_interval=5)
    keys.get("k1")
    for _ in range(2):
        with pytest.raises(UnknownKey):
            keys.get("bogus")
    idp.clock.now += 5
    with pytest.raises(UnknownKey):
        keys.get("bogus")
    assert idp.fetches == 3


@pytest.mark.parametrize("failure", ["down", "500", "html", "nested"])
def test_refetch_failure_keeps_serving_cached_keys(idp: FakeIdp, failure: str) -> None:
    keys = cache(idp)
    key = keys.get("k1")
    if failure == "down":
        idp.down = True
    elif failure == "500":
        idp.status = 500
    else:
        idp.format = failure  # neither JWKS nor PEM map, or too deep: an unusable document
    idp.clock.now = NOW + 4000
    assert keys.get("k1") is key
    assert idp.fetches == 2
    assert keys.get("k1") is key  # no retry before retry_after_failure (5 s)
    assert idp.fetches == 2
    idp.clock.now += 5
    keys.get("k1")
    assert idp.fetches == 3


@pytest.mark.parametrize("age", ["\u00b2", "\u0663", "-5", "soon"])
def test_odd_age_headers_are_ignored(idp: FakeIdp, age: str) -> None:
    # '²' and '٣' pass str.isdigit() but are no HTTP Age (sent as raw UTF-8 header bytes).
    idp.headers["age"] = age.encode("utf-8")  # type: ignore[assignment]
    keys = cache(idp)
    assert keys.get("k1") is not None
    idp.clock.now = NOW + 3599  # max-age=3600 still counts in full
    keys.get("k1")
    assert idp.fetches == 1


def test_first_fetch_failure_raises_certs_unavailable(idp: FakeIdp) -> None:
    idp.status = 503
    keys = cache(idp)
    with pytest.raises(CertsUnavailable, match=r"HTTP 503.*check certs_url"):
        keys.get("k1")
    idp.status = 200
    with pytest.raises(CertsUnavailable):
        keys.get("k1")  # backing off: no new fetch yet
    assert idp.fetches == 1
    idp.clock.now += 5
    assert keys.get("k1")
    assert idp.fetches == 2


def test_concurrent_threads_share_one_fetch(idp: FakeIdp) -> None:
    keys = cache(idp)
    barrier = threading.Barrier(8)
    results: list[object] = []

    def worker() -> None:
        barrier.wait()
        results.append(keys.get("k1"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len({id(r) for r in results}) == 1
    assert idp.fetches == 1


async def test_aget_fetches_with_async_client(idp: FakeIdp) -> None:
    keys = KeyCache(
        "https://x/certs",
        clock=idp.clock,
        http=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(599))),
        async_http=httpx.AsyncClient(transport=idp.transport),
    )
    assert await keys.aget("k1") is keys._keys["k1"]
    assert idp.fetches == 1


async def test_aget_bogus_kid_flood_fetches_once(idp: FakeIdp) -> None:
    keys = cache(idp)
    await keys.aget("k1")

    async def bogus(i: int) -> None:
        with pytest.raises(UnknownKey):
            await keys.aget(f"bogus-{i}")

    await asyncio.gather(*(bogus(i) for i in range(50)))
    assert idp.fetches == 2


async def test_aget_rotation_and_failure(idp: FakeIdp) -> None:
    keys = cache(idp)
    key = await keys.aget("k1")
    idp.keys["k3"] = test_key("k3")
    assert await keys.aget("k3")
    idp.down = True
    idp.clock.now = NOW + 4000
    assert (await keys.aget("k1")).public_numbers() == key.public_numbers()
    assert idp.fetches == 3


def test_verifier_follows_rotation_end_to_end(idp: FakeIdp) -> None:
    verifier = idp.verifier()
    assert verifier.verify(idp.mint("k1")).sub
    idp.keys["k3"] = test_key("k3")
    assert verifier.verify(idp.mint("k3")).sub
    assert idp.fetches == 2
