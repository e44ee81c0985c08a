"""Signing keys: created once and persisted, encrypted at rest, rotated on a schedule."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import KeySet

from signon.keys.keyring import ID_TOKEN_LIFETIME, RETIRE_MARGIN, Keyring
from signon.keys.material import KeyDecryptionError, open_private_key
from signon.storage import SqlStore, StoreUnavailable, open_store, upgrade
from signon.storage.records import SigningKey
from tests.conftest import FakeClock

SECRET = "correct horse battery staple 42"
MAX_AGE = 3600


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    upgrade(sqlite_url)
    s = open_store(sqlite_url)
    try:
        yield s
    finally:
        await s.close()


async def loaded(
    store: SqlStore, clock: FakeClock, secret_key: str | None = SECRET, **kwargs: Any
) -> Keyring:
    keyring = Keyring(store, clock=clock, secret_key=secret_key, jwks_max_age=MAX_AGE, **kwargs)
    await keyring.load()
    return keyring


def b64u_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def published_kids(keyring: Keyring) -> list[str]:
    return [k["kid"] for k in keyring.jwks()["keys"]]


# creation and persistence --------------------------------------------------------------------
async def test_keyring_first_load_creates_one_active_key(store: SqlStore, clock: FakeClock) -> None:
    keyring = await loaded(store, clock)
    [key] = await store.list_signing_keys()
    assert keyring.signer().record.kid == key.kid
    assert Keyring.state(key, [key], int(clock())) == "active"
    assert (key.created_at, key.activates_at, key.publish_until) == (
        int(clock()),
        int(clock()),
        None,
    )


async def test_keyring_key_persists_across_restart(sqlite_url: str, clock: FakeClock) -> None:
    upgrade(sqlite_url)
    first_store = open_store(sqlite_url)
    first = (await loaded(first_store, clock)).signer()
    await first_store.close()

    second_store = open_store(sqlite_url)
    try:
        second = (await loaded(second_store, clock)).signer()
        assert second.record.kid == first.record.kid
        assert second.private_key.private_numbers() == first.private_key.private_numbers()
        assert len(await second_store.list_signing_keys()) == 1
    finally:
        await second_store.close()


async def test_keyring_second_keyring_on_same_store_adds_no_key(
    store: SqlStore, clock: FakeClock
) -> None:
    a = await loaded(store, clock)
    b = await loaded(store, clock)
    assert published_kids(a) == published_kids(b)
    assert len(await store.list_signing_keys()) == 1


async def test_keyring_kid_is_sha1_of_public_key(store: SqlStore, clock: FakeClock) -> None:
    signer = (await loaded(store, clock)).signer()
    der = signer.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert signer.record.kid == hashlib.sha1(der, usedforsecurity=False).hexdigest()


async def test_keyring_keys_are_rsa_2048(store: SqlStore, clock: FakeClock) -> None:
    assert (await loaded(store, clock)).signer().private_key.key_size == 2048


# encryption at rest --------------------------------------------------------------------------
async def test_keyring_private_key_encrypted_with_secret_key(
    store: SqlStore, clock: FakeClock
) -> None:
    await loaded(store, clock, secret_key=SECRET)
    [key] = await store.list_signing_keys()
    assert key.private_key.startswith("v1:")
    assert "PRIVATE KEY" not in key.private_key
    assert "-----" not in key.private_key


async def test_keyring_private_key_stored_as_pem_without_secret_key(
    store: SqlStore, clock: FakeClock
) -> None:
    await loaded(store, clock, secret_key=None)
    [key] = await store.list_signing_keys()
    assert key.private_key.startswith("-----BEGIN PRIVATE KEY-----\n")


async def test_keyring_wrong_secret_key_refused(store: SqlStore, clock: FakeClock) -> None:
    kid = (await loaded(store, clock, secret_key=SECRET)).signer().record.kid
    with pytest.raises(KeyDecryptionError) as info:
        await loaded(store, clock, secret_key="another secret key, 32 chars...")
    assert str(info.value) == (
        f"signing key {kid} cannot be decrypted: SIGNON_SECRET_KEY is not the one "
        "it was sealed with"
    )


async def test_keyring_missing_secret_key_refused(store: SqlStore, clock: FakeClock) -> None:
    kid = (await loaded(store, clock, secret_key=SECRET)).signer().record.kid
    with pytest.raises(KeyDecryptionError) as info:
        await loaded(store, clock, secret_key=None)
    assert str(info.value) == (
        f"signing key {kid} is encrypted at rest; set SIGNON_SECRET_KEY to open it"
    )


async def test_keyring_sealed_key_bound_to_its_kid(store: SqlStore, clock: FakeClock) -> None:
    await loaded(store, clock, secret_key=SECRET)
    [key] = await store.list_signing_keys()
    assert open_private_key(key.private_key, SECRET, key.kid).key_size == 2048
    # A sealed key copied into another key's row does not open: the kid is authenticated data.
    with pytest.raises(KeyDecryptionError):
        open_private_key(key.private_key, SECRET, "0" * 40)


# rotation ------------------------------------------------------------------------------------
async def test_keyring_rotated_key_published_at_once(store: SqlStore, clock: FakeClock) -> None:
    keyring = await loaded(store, clock)
    old = keyring.signer().record.kid
    new = await keyring.rotate()
    assert published_kids(keyring) == [old, new.kid]
    assert set(keyring.pem_certificates()) == {old, new.kid}
    assert new.activates_at == int(clock()) + keyring.pending_period
    assert keyring.pending_period == MAX_AGE + keyring.reload_interval


async def test_keyring_old_key_signs_until_jwks_max_age_passes(
    store: SqlStore, clock: FakeClock
) -> None:
    keyring = await loaded(store, clock)
    old = keyring.signer().record.kid
    await keyring.rotate()
    clock.advance(keyring.pending_period - 1)
    assert keyring.signer().record.kid == old


async def test_keyring_new_key_signs_once_jwks_max_age_passed(
    store: SqlStore, clock: FakeClock
) -> None:
    keyring = await loaded(store, clock)
    new = await keyring.rotate()
    clock.advance(keyring.pending_period)
    assert keyring.signer().record.kid == new.kid


async def test_keyring_old_key_published_until_its_last_token_expired(
    store: SqlStore, clock: FakeClock
) -> None:
    keyring = await loaded(store, clock)
    old = keyring.signer().record.kid
    new = await keyring.rotate()
    # The last token the old key signed was issued just before the new key activated.
    unpublished_at = new.activates_at + ID_TOKEN_LIFETIME + RETIRE_MARGIN
    clock.now = unpublished_at - 1
    assert published_kids(keyring) == [old, new.kid]
    clock.now = unpublished_at
    assert published_kids(keyring) == [new.kid]
    assert set(keyring.pem_certificates()) == {new.kid}


async def test_keyring_states_through_a_rotation(store: SqlStore, clock: FakeClock) -> None:
    keyring = await loaded(store, clock)
    await keyring.rotate()
    old, new = keyring.keys()

    def states() -> tuple[str, str]:
        keys, now = keyring.keys(), int(clock())
        return (Keyring.state(old, keys, now), Keyring.state(new, keys, now))

    assert states() == ("active", "pending")
    clock.advance(keyring.pending_period)
    assert states() == ("retired", "active")
    clock.advance(ID_TOKEN_LIFETIME + RETIRE_MARGIN)
    assert states() == ("expired", "active")


async def test_keyring_public_key_only_for_published_keys(
    store: SqlStore, clock: FakeClock
) -> None:
    keyring = await loaded(store, clock)
    old = keyring.signer()
    await keyring.rotate()
    assert keyring.public_key(old.record.kid) is not None
    assert keyring.public_key("unknown") is None
    clock.advance(keyring.pending_period + ID_TOKEN_LIFETIME + RETIRE_MARGIN)
    assert keyring.public_key(old.record.kid) is None


async def test_keyring_two_rotations_activate_in_order(store: SqlStore, clock: FakeClock) -> None:
    keyring = await loaded(store, clock)
    first = keyring.signer().record.kid
    second = await keyring.rotate()
    clock.advance(100)
    third = await keyring.rotate()
    assert published_kids(keyring) == [first, second.kid, third.kid]
    clock.now = second.activates_at
    assert keyring.signer().record.kid == second.kid
    clock.now = third.activates_at
    assert keyring.signer().record.kid == third.kid
    assert published_kids(keyring) == [first, second.kid, third.kid]


async def test_keyring_other_instance_sees_rotation_after_reload_interval(
    store: SqlStore, clock: FakeClock
) -> None:
    here = await loaded(store, clock, reload_interval=60)
    there = await loaded(store, clock, reload_interval=60)
    new = await there.rotate()
    clock.advance(59)
    assert new.kid not in published_kids(await here.fresh())
    clock.advance(1)
    assert new.kid in published_kids(await here.fresh())


async def test_keyring_reload_interval_never_exceeds_jwks_max_age(
    store: SqlStore, clock: FakeClock
) -> None:
    keyring = Keyring(store, clock=clock, secret_key=None, jwks_max_age=120, reload_interval=900)
    assert keyring.reload_interval == 120


# views ---------------------------------------------------------------------------------------
async def test_keyring_jwks_fields(store: SqlStore, clock: FakeClock) -> None:
    keyring = await loaded(store, clock)
    signer = keyring.signer()
    [jwk] = keyring.jwks()["keys"]
    assert set(jwk) == {"kty", "alg", "use", "kid", "n", "e"}
    assert (jwk["kty"], jwk["alg"], jwk["use"], jwk["kid"]) == (
        "RSA",
        "RS256",
        "sig",
        signer.record.kid,
    )
    numbers = signer.private_key.public_key().public_numbers()
    assert (b64u_int(jwk["n"]), jwk["e"]) == (numbers.n, "AQAB")
    assert "=" not in jwk["n"]


async def test_keyring_certificate_matches_key(store: SqlStore, clock: FakeClock) -> None:
    keyring = await loaded(store, clock)
    signer = keyring.signer()
    cert = x509.load_pem_x509_certificate(keyring.pem_certificates()[signer.record.kid].encode())
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.public_numbers() == signer.private_key.public_key().public_numbers()
    assert cert.issuer == cert.subject
    assert cert.not_valid_before_utc.timestamp() <= clock() < cert.not_valid_after_utc.timestamp()


async def test_keyring_signature_verifies_with_published_jwks(
    store: SqlStore, clock: FakeClock
) -> None:
    keyring = await loaded(store, clock)
    await keyring.rotate()
    clock.advance(keyring.pending_period)
    signer = keyring.signer()
    token = jwt.encode({"alg": "RS256", "kid": signer.record.kid}, {"sub": "1"}, signer.jwk)
    published = KeySet.import_key_set(keyring.jwks())  # type: ignore[arg-type]
    decoded = jwt.decode(token, published, algorithms=["RS256"])
    assert decoded.claims == {"sub": "1"}


# database outages ----------------------------------------------------------------------------
async def test_keyring_keeps_serving_loaded_keys_while_store_is_down(
    store: SqlStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = await loaded(store, clock, reload_interval=60)
    new = await keyring.rotate()

    async def down() -> list[SigningKey]:
        raise StoreUnavailable("the database is unavailable")

    monkeypatch.setattr(store, "list_signing_keys", down)
    clock.advance(keyring.pending_period)
    fresh = await keyring.fresh()
    assert fresh.signer().record.kid == new.kid  # activation still follows the clock
    assert new.kid in published_kids(fresh)


async def test_keyring_retries_store_after_reload_interval(
    store: SqlStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = await loaded(store, clock, reload_interval=60)
    calls = 0

    async def down() -> list[SigningKey]:
        nonlocal calls
        calls += 1
        raise StoreUnavailable("the database is unavailable")

    monkeypatch.setattr(store, "list_signing_keys", down)
    clock.advance(60)
    await keyring.fresh()
    await keyring.fresh()
    assert calls == 1
    clock.advance(60)
    await keyring.fresh()
    assert calls == 2


async def test_keyring_first_load_with_store_down_fails(
    store: SqlStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down() -> list[SigningKey]:
        raise StoreUnavailable("the database is unavailable")

    monkeypatch.setattr(store, "list_signing_keys", down)
    keyring = Keyring(store, clock=clock, secret_key=None, jwks_max_age=MAX_AGE)
    with pytest.raises(StoreUnavailable):
        await keyring.fresh()


# rotation and storage corner cases (from a review) ------------------------------------------
async def test_keyring_rotation_with_a_lower_max_age_still_activates_in_order(
    store: SqlStore, clock: FakeClock
) -> None:
    """Rotate with max-age 3600, then (settings changed) with 60: the second key must not sign
    before the first, and at every moment one key signs and every signing key is published."""
    first = await loaded(store, clock)
    a = first.signer().record.kid
    b = await first.rotate()
    clock.advance(100)
    lowered = Keyring(store, clock=clock, secret_key=SECRET, jwks_max_age=60)
    await lowered.load()
    c = await lowered.rotate()
    assert c.activates_at > b.activates_at
    for _ in range(0, 3 * 3600, 30):
        clock.advance(30)
        await lowered.load()
        signer = lowered.signer().record.kid
        assert signer in {k.kid for k in lowered.published()}
    assert signer == c.kid
    assert a not in {k.kid for k in lowered.published()}


async def test_keyring_expired_newer_key_does_not_retire_an_older_one() -> None:
    """Defence in depth for records written by older versions: a newer key that is expired
    (unpublished) cannot be the one signing, so the older key it would have retired stays."""
    older = SigningKey("old", "", "", created_at=0, activates_at=0, publish_until=None)
    newer = SigningKey("new", "", "", created_at=0, activates_at=100, publish_until=200)
    assert Keyring.state(older, [older, newer], 150) == "retired"
    assert Keyring.state(older, [older, newer], 250) == "active"


async def test_keyring_rotate_waits_for_the_advertised_max_age(
    store: SqlStore, clock: FakeClock
) -> None:
    """`signon keys rotate` from a shell without the server's SIGNON_JWKS_MAX_AGE: relying
    parties may cache the JWKS for the server's max-age, so the new key waits that long."""
    server = Keyring(store, clock=clock, secret_key=SECRET, jwks_max_age=86400)
    await server.load()
    await server.advertise_max_age()
    shell = Keyring(store, clock=clock, secret_key=SECRET, jwks_max_age=MAX_AGE)
    await shell.load()
    new = await shell.rotate()
    assert new.activates_at >= clock() + 86400


async def test_keyring_key_stored_in_the_clear_is_sealed_once_a_secret_is_set(
    store: SqlStore, clock: FakeClock
) -> None:
    """A key created without SIGNON_SECRET_KEY (or imported unsealed) is sealed by the first
    process that loads it with the secret, and opens only with that secret afterwards."""
    plain = await loaded(store, clock, secret_key=None)
    [record] = await store.list_signing_keys()
    assert record.private_key.startswith("-----BEGIN PRIVATE KEY-----")
    await loaded(store, clock, secret_key=SECRET)  # the CLI's keyring (`keys list`): reads only
    [record] = await store.list_signing_keys()
    assert record.private_key.startswith("-----BEGIN PRIVATE KEY-----")
    sealed = await loaded(store, clock, secret_key=SECRET, seal_plain_keys=True)  # the server's
    [record] = await store.list_signing_keys()
    assert record.private_key.startswith("v1:")
    assert sealed.signer().record.kid == plain.signer().record.kid
    with pytest.raises(KeyDecryptionError):
        await loaded(store, clock, secret_key=None)


async def test_keyring_processes_starting_together_create_one_first_key(
    database_url: str, clock: FakeClock
) -> None:
    """Workers of one server (or replicas) starting on an empty database: one first key, on
    both databases (PostgreSQL needs the table lock), not one per process."""
    upgrade(database_url)
    stores = [open_store(database_url) for _ in range(4)]
    try:
        keyrings = [Keyring(s, clock=clock, secret_key=None, jwks_max_age=MAX_AGE) for s in stores]
        await asyncio.gather(*(k.load() for k in keyrings))
        assert len(await stores[0].list_signing_keys()) == 1
        assert len({k.signer().record.kid for k in keyrings}) == 1
    finally:
        for s in stores:
            await s.close()
