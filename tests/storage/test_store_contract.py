"""The Store contract. Every test runs on SQLite and on PostgreSQL (`store` in conftest.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from typing import Any

import pytest

from signon.accounts.sessions import Sessions
from signon.protocol.clients import ClientError, create_client
from signon.protocol.ids import hash_secret, new_access_token, new_code, new_refresh_token
from signon.storage import SqlStore
from signon.storage.records import AuthCode, Grant, Project, SigningKey, Token
from signon.storage.store import Conflict, InvalidData
from tests.storage.dump import all_rows_text
from tests.storage.records import (
    CLIENT_ID,
    NOW,
    PROJECT,
    client,
    code,
    project,
    seed_client,
    session,
    sha,
    sub_for,
    token,
    tokens_for,
    user,
)


async def grant_with_code(store: SqlStore, name: str = "c1") -> AuthCode:
    await seed_client(store)
    g = await store.save_grant(sub_for(1), CLIENT_ID, ["openid", "email"], NOW, "grant-1")
    c = code(name, g.grant_id)
    await store.save_code(c)
    return c


async def signed_in(store: SqlStore, name: str, *users: int) -> None:
    """Sign the users in one after another on one browser, as sign-in does: each sign-in
    replaces the session; the last one is `session(name)`."""
    previous: str | None = None
    for i, n in enumerate(users):
        current = name if i == len(users) - 1 else f"{name}-{i}"
        await store.replace_session(session(current), previous, sub_for(n))
        previous = sha(current)


def never_called(c: AuthCode) -> tuple[Token, ...]:
    raise AssertionError("issue must not be called")


# lifecycle -----------------------------------------------------------------------------------
async def test_store_ping_succeeds(store: SqlStore) -> None:
    await store.ping()


async def test_store_reset_empties_every_table(store: SqlStore) -> None:
    await grant_with_code(store)
    await store.reset()
    assert await store.list_users() == []
    assert await store.list_clients() == []
    assert await store.list_grants() == []
    assert (await store.consume_code(sha("c1"), NOW, never_called)).status == "unknown"


# users ---------------------------------------------------------------------------------------
async def test_store_user_round_trips_every_field(store: SqlStore) -> None:
    u = user(1, email_verified=False, is_admin=True)
    await store.create_user(u)
    assert await store.find_user(u.sub) == u


async def test_store_find_user_unknown_is_none(store: SqlStore) -> None:
    assert await store.find_user(sub_for(9)) is None
    assert await store.find_user_by_email("nobody@example.com") is None


async def test_store_find_user_by_email_ignores_case(store: SqlStore) -> None:
    await store.create_user(user(1, email="Ada@Example.COM"))
    found = await store.find_user_by_email("ADA@example.com")
    assert found is not None
    assert (found.sub, found.email) == (sub_for(1), "ada@example.com")


async def test_store_duplicate_email_conflicts(store: SqlStore) -> None:
    await store.create_user(user(1, email="ada@example.com"))
    with pytest.raises(Conflict):
        await store.create_user(user(2, email="ADA@example.com"))
    assert [u.sub for u in await store.list_users()] == [sub_for(1)]


async def test_store_value_the_database_refuses_is_invalid_data_and_writes_nothing(
    store: SqlStore,
) -> None:
    """PostgreSQL refuses NUL in text (SQLite stores it). Input checks refuse NUL first; this is
    the backstop: InvalidData (a 400 for the caller), the transaction rolled back."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores NUL characters")
    with pytest.raises(InvalidData):
        await store.create_user(user(1, name="Ada\x00"))
    assert await store.list_users() == []


async def test_store_duplicate_sub_conflicts(store: SqlStore) -> None:
    await store.create_user(user(1))
    with pytest.raises(Conflict):
        await store.create_user(user(1, email="other@example.com"))


async def test_store_list_users_in_creation_order(store: SqlStore) -> None:
    for n in (3, 1, 2):
        await store.create_user(user(n))
    assert [u.sub for u in await store.list_users()] == [sub_for(1), sub_for(2), sub_for(3)]


async def test_store_update_user_changes_fields_but_not_creation_time(store: SqlStore) -> None:
    await store.create_user(user(1))
    changed = user(1, name="Ada Lovelace", email="ada@example.org", created_at=5, locale="fr")
    await store.update_user(changed, before=user(1))
    assert await store.find_user(sub_for(1)) == dataclasses.replace(
        changed, created_at=user(1).created_at
    )


async def test_store_updates_of_different_fields_do_not_undo_each_other(
    store: SqlStore,
) -> None:
    """Two requests read the account, each changes its own field, each writes: both stay. (A
    whole-record write let a profile save from one tab revert a password change or an admin's
    demotion made meanwhile.)"""
    original = user(1, is_admin=True, password_hash="old")
    await store.create_user(original)
    await store.update_user(dataclasses.replace(original, password_hash="new"), before=original)
    await store.update_user(dataclasses.replace(original, is_admin=False), before=original)
    await store.update_user(dataclasses.replace(original, name="Ada L."), before=original)
    stored = await store.find_user(sub_for(1))
    assert stored is not None
    assert (stored.password_hash, stored.is_admin, stored.name) == ("new", False, "Ada L.")
    await store.create_project(project())
    await store.create_client(client())
    first = await store.find_client(CLIENT_ID)
    assert first is not None
    await store.update_client(dataclasses.replace(first, secret_hash="reset"), before=first)
    await store.update_client(dataclasses.replace(first, name="Renamed"), before=first)
    assert await store.find_client(CLIENT_ID) == dataclasses.replace(
        first, secret_hash="reset", name="Renamed"
    )


async def test_store_delete_user_reports_whether_it_existed(store: SqlStore) -> None:
    await store.create_user(user(1))
    assert await store.delete_user(sub_for(1)) is True
    assert await store.find_user(sub_for(1)) is None
    assert await store.delete_user(sub_for(1)) is False


async def test_store_delete_user_revokes_their_tokens(store: SqlStore) -> None:
    c = await grant_with_code(store)
    await store.save_tokens(tokens_for(c))
    await store.delete_user(sub_for(1))
    for t in tokens_for(c):
        found = await store.find_token(t.token_hash)
        assert found is not None
        assert found.revoked_at is not None


async def test_store_delete_user_signs_them_out_of_sessions(store: SqlStore) -> None:
    await store.create_user(user(1))
    await store.create_user(user(2))
    await signed_in(store, "s1", 1, 2)
    await store.delete_user(sub_for(1))
    found = await store.find_session(sha("s1"), NOW)
    assert found is not None
    assert found.accounts == (sub_for(2),)


# projects and clients ------------------------------------------------------------------------
async def test_store_project_round_trips(store: SqlStore) -> None:
    p = project(logo_url="https://example.com/logo.png", privacy_url="https://example.com/p")
    await store.create_project(p)
    assert await store.find_project(p.name) == p
    assert await store.find_project("other") is None


async def test_store_duplicate_project_conflicts(store: SqlStore) -> None:
    await store.create_project(project())
    with pytest.raises(Conflict):
        await store.create_project(project(number="999999999999"))


async def test_store_list_projects_by_name(store: SqlStore) -> None:
    await store.create_project(project("zeta", number="100000000002"))
    await store.create_project(project("alpha", number="100000000001"))
    assert [p.name for p in await store.list_projects()] == ["alpha", "zeta"]


async def test_store_update_project_keeps_name_and_number(store: SqlStore) -> None:
    await store.create_project(project())
    await store.update_project(project(number="999999999999", app_name="Renamed", created_at=1))
    assert await store.find_project("default") == project(app_name="Renamed")


async def test_store_delete_project_deletes_its_clients(store: SqlStore) -> None:
    c = await grant_with_code(store)
    await store.save_tokens(tokens_for(c))
    assert await store.delete_project("default") is True
    assert await store.find_client(CLIENT_ID) is None
    assert await store.find_project("default") is None
    access = await store.find_token(tokens_for(c)[0].token_hash)
    assert access is not None
    assert access.revoked_at is not None
    assert await store.delete_project("default") is False


async def test_store_client_round_trips_lists_and_flags(store: SqlStore) -> None:
    await store.create_project(project())
    c = client(auto_consent=True)
    await store.create_client(c)
    found = await store.find_client(CLIENT_ID)
    assert found == c
    assert found is not None
    assert found.origins == ("https://app.example.com", "http://localhost:5000")
    assert found.redirect_uris == ("https://app.example.com/cb", "http://localhost:5000/cb?x=1")
    assert found.is_public is False


async def test_store_public_client_has_no_secret(store: SqlStore) -> None:
    await store.create_project(project())
    await store.create_client(client(type="ios", secret_hash=None, origins=(), redirect_uris=()))
    found = await store.find_client(CLIENT_ID)
    assert found is not None
    assert (found.type, found.secret_hash, found.is_public) == ("ios", None, True)


async def test_store_duplicate_client_id_conflicts(store: SqlStore) -> None:
    await store.create_project(project())
    await store.create_client(client())
    with pytest.raises(Conflict):
        await store.create_client(client(name="Another"))


async def test_store_create_client_creates_its_new_project_in_the_same_transaction(
    store: SqlStore,
) -> None:
    await store.create_client(client(), project())
    assert await store.find_project(PROJECT) == project()
    assert await store.find_client(CLIENT_ID) == client()


async def test_store_refused_client_leaves_its_new_project_uncreated(store: SqlStore) -> None:
    await store.create_project(project())
    await store.create_client(client())
    orphan = project("orphan", number="100000000001")
    with pytest.raises(Conflict):
        await store.create_client(client(project="orphan"), orphan)
    assert await store.find_project("orphan") is None


async def test_create_client_refused_for_a_taken_id_creates_no_project(store: SqlStore) -> None:
    await create_client(store, name="First", client_id="taken-id", now=NOW)
    with pytest.raises(ClientError, match="already exists"):
        await create_client(store, name="Second", project="orphan", client_id="taken-id", now=NOW)
    assert [p.name for p in await store.list_projects()] == ["default"]


async def test_create_client_joins_a_project_created_concurrently(store: SqlStore) -> None:
    """Between create_client's look-up (no project yet) and its insert, another request creates
    the project: the client goes into that project, with that project's number."""
    racing = project("photos", number="100000000001")

    class LateProject:
        def __init__(self) -> None:
            self.looked_up = False

        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        async def find_project(self, name: str) -> Project | None:
            if not self.looked_up:
                self.looked_up = True
                await store.create_project(racing)  # lands after the look-up answered
                return None
            return await store.find_project(name)

    new = await create_client(LateProject(), name="App", project="photos", now=NOW)  # type: ignore[arg-type]
    assert new.client.project == "photos"
    assert new.client.client_id.startswith("100000000001-")
    assert await store.find_project("photos") == racing


async def test_store_list_clients_filters_by_project(store: SqlStore) -> None:
    await store.create_project(project())
    await store.create_project(project("other", number="100000000001"))
    await store.create_client(client("a.apps.googleusercontent.com"))
    await store.create_client(client("b.apps.googleusercontent.com", project="other"))
    assert [c.client_id for c in await store.list_clients()] == [
        "a.apps.googleusercontent.com",
        "b.apps.googleusercontent.com",
    ]
    assert [c.client_id for c in await store.list_clients("other")] == [
        "b.apps.googleusercontent.com"
    ]


async def test_store_update_client(store: SqlStore) -> None:
    await store.create_project(project())
    await store.create_client(client())
    changed = client(name="Renamed", origins=("https://new.example.com",), redirect_uris=())
    await store.update_client(changed, before=client())
    assert await store.find_client(CLIENT_ID) == changed


async def test_store_delete_client_revokes_its_tokens(store: SqlStore) -> None:
    c = await grant_with_code(store)
    await store.save_tokens(tokens_for(c))
    assert await store.delete_client(CLIENT_ID) is True
    assert await store.find_client(CLIENT_ID) is None
    refresh = await store.find_token(tokens_for(c)[1].token_hash)
    assert refresh is not None
    assert refresh.revoked_at is not None
    assert await store.delete_client(CLIENT_ID) is False


# signing keys and secrets --------------------------------------------------------------------
def signing_key(kid: str, activates_at: int, publish_until: int | None = None) -> SigningKey:
    return SigningKey(
        kid=kid,
        private_key="v1:sealed-" + kid,
        certificate_pem="-----BEGIN CERTIFICATE-----\n" + kid,
        created_at=activates_at - 10,
        activates_at=activates_at,
        publish_until=publish_until,
    )


async def test_store_signing_keys_listed_by_activation(store: SqlStore) -> None:
    await store.add_signing_key(signing_key("b", NOW + 100), None)
    await store.add_signing_key(signing_key("a", NOW), None)
    assert await store.list_signing_keys() == [signing_key("a", NOW), signing_key("b", NOW + 100)]


async def test_store_add_signing_key_retires_every_unretired_key(store: SqlStore) -> None:
    await store.add_signing_key(signing_key("old", NOW - 500, publish_until=NOW + 5), None)
    await store.add_signing_key(signing_key("current", NOW), None)
    await store.add_signing_key(signing_key("new", NOW + 3600), older_publish_until=NOW + 8000)
    assert {k.kid: k.publish_until for k in await store.list_signing_keys()} == {
        "old": NOW + 5,
        "current": NOW + 8000,
        "new": None,
    }


async def test_store_delete_signing_key(store: SqlStore) -> None:
    await store.add_signing_key(signing_key("a", NOW), None)
    assert await store.delete_signing_key("a") is True
    assert await store.list_signing_keys() == []
    assert await store.delete_signing_key("a") is False


async def test_store_secret_created_once_then_kept(store: SqlStore) -> None:
    assert await store.get_or_create_secret("csrf", "first") == "first"
    assert await store.get_or_create_secret("csrf", "second") == "first"
    assert await store.get_or_create_secret("other", "third") == "third"


async def test_store_find_secret_unknown_is_none(store: SqlStore) -> None:
    assert await store.find_secret("admin") is None


async def test_store_set_secret_creates_then_replaces(store: SqlStore) -> None:
    await store.set_secret("admin", "one")
    assert await store.find_secret("admin") == "one"
    await store.set_secret("admin", "two")
    assert await store.find_secret("admin") == "two"
    assert await store.get_or_create_secret("admin", "three") == "two"


# browser sessions ----------------------------------------------------------------------------
async def test_store_session_created_and_found_without_accounts(store: SqlStore) -> None:
    await store.create_session(session("s1"))
    assert await store.find_session(sha("s1"), NOW) == session("s1")


async def test_store_session_unknown_not_found(store: SqlStore) -> None:
    assert await store.find_session(sha("nope"), NOW) is None


async def test_store_session_expired_not_found(store: SqlStore) -> None:
    await store.create_session(session("s1", expires_at=NOW + 10))
    assert await store.find_session(sha("s1"), NOW + 9) is not None
    assert await store.find_session(sha("s1"), NOW + 10) is None


async def test_store_touch_session_slides_expiry(store: SqlStore) -> None:
    await store.create_session(session("s1", expires_at=NOW + 10))
    await store.touch_session(sha("s1"), NOW + 5, NOW + 500)
    found = await store.find_session(sha("s1"), NOW + 100)
    assert found is not None
    assert (found.last_seen_at, found.expires_at) == (NOW + 5, NOW + 500)


async def test_store_session_accounts_kept_in_sign_in_order(store: SqlStore) -> None:
    for n in (1, 2, 3):
        await store.create_user(user(n))
    await signed_in(store, "s1", 2, 1, 3, 2)  # signing in an account already there changes nothing
    found = await store.find_session(sha("s1"), NOW)
    assert found is not None
    assert found.accounts == (sub_for(2), sub_for(1), sub_for(3))


async def test_store_removed_session_account_readded_last(store: SqlStore) -> None:
    for n in (1, 2):
        await store.create_user(user(n))
    await signed_in(store, "s1", 1, 2)
    await store.remove_session_account(sha("s1"), sub_for(1))
    found = await store.find_session(sha("s1"), NOW)
    assert found is not None
    assert found.accounts == (sub_for(2),)
    await store.replace_session(session("s2"), sha("s1"), sub_for(1))  # signs in again
    found = await store.find_session(sha("s2"), NOW)
    assert found is not None
    assert found.accounts == (sub_for(2), sub_for(1))


async def test_store_delete_session(store: SqlStore) -> None:
    await store.create_user(user(1))
    await store.replace_session(session("s1"), None, sub_for(1))
    await store.delete_session(sha("s1"))
    assert await store.find_session(sha("s1"), NOW) is None
    assert await store.list_user_sessions(sub_for(1), NOW) == []


async def test_store_list_user_sessions_live_most_recent_first(store: SqlStore) -> None:
    await store.create_user(user(1))
    await store.create_user(user(2))
    await store.replace_session(session("old", last_seen_at=NOW - 50), None, sub_for(1))
    await store.replace_session(session("recent", last_seen_at=NOW - 5), None, sub_for(1))
    await store.replace_session(session("expired", expires_at=NOW), None, sub_for(1))
    await store.replace_session(session("other user"), None, sub_for(2))
    listed = await store.list_user_sessions(sub_for(1), NOW)
    assert [s.id_hash for s in listed] == [sha("recent"), sha("old")]


async def test_store_sign_out_user_everywhere_keeps_one_session(store: SqlStore) -> None:
    await store.create_user(user(1))
    await store.create_user(user(2))
    for name in ("here", "elsewhere"):
        await store.replace_session(session(name), None, sub_for(1))
    await signed_in(store, "there", 1, 2)
    assert await store.sign_out_user_everywhere(sub_for(1), keep=sha("here")) == 2
    accounts = {}
    for name in ("here", "there", "elsewhere"):
        found = await store.find_session(sha(name), NOW)
        assert found is not None
        accounts[name] = found.accounts
    assert accounts == {"here": (sub_for(1),), "there": (sub_for(2),), "elsewhere": ()}


async def test_store_sign_out_user_everywhere_without_keep(store: SqlStore) -> None:
    await store.create_user(user(1))
    for name in ("a", "b"):
        await store.replace_session(session(name), None, sub_for(1))
    assert await store.sign_out_user_everywhere(sub_for(1)) == 2
    assert await store.list_user_sessions(sub_for(1), NOW) == []


# grants --------------------------------------------------------------------------------------
async def test_store_save_grant_creates(store: SqlStore) -> None:
    await seed_client(store)
    g = await store.save_grant(sub_for(1), CLIENT_ID, ["profile", "openid", "openid"], NOW, "g1")
    assert (g.grant_id, g.user_sub, g.client_id) == ("g1", sub_for(1), CLIENT_ID)
    assert g.scopes == ("openid", "profile")
    assert (g.created_at, g.updated_at, g.revoked_at) == (NOW, NOW, None)
    assert await store.find_grant(sub_for(1), CLIENT_ID) == g
    assert await store.find_grant_by_id("g1") == g


async def test_store_save_grant_merges_scopes_into_the_same_grant(store: SqlStore) -> None:
    await seed_client(store)
    await store.save_grant(sub_for(1), CLIENT_ID, ["openid", "email"], NOW, "g1")
    g = await store.save_grant(sub_for(1), CLIENT_ID, ["profile", "email"], NOW + 9, "unused")
    assert g.grant_id == "g1"
    assert g.scopes == ("email", "openid", "profile")
    assert (g.created_at, g.updated_at) == (NOW, NOW + 9)
    assert await store.find_grant_by_id("unused") is None


async def test_store_save_grant_after_revoke_starts_a_new_grant(store: SqlStore) -> None:
    await seed_client(store)
    await store.save_grant(sub_for(1), CLIENT_ID, ["openid", "email"], NOW, "g1")
    assert await store.revoke_grant("g1", NOW + 1) is True
    g = await store.save_grant(sub_for(1), CLIENT_ID, ["profile"], NOW + 2, "g2")
    assert (g.grant_id, g.scopes, g.revoked_at) == ("g2", ("profile",), None)
    assert (g.created_at, g.updated_at) == (NOW + 2, NOW + 2)
    assert await store.find_grant(sub_for(1), CLIENT_ID) == g


async def test_store_find_grant_ignores_revoked(store: SqlStore) -> None:
    await seed_client(store)
    await store.save_grant(sub_for(1), CLIENT_ID, ["openid"], NOW, "g1")
    await store.revoke_grant("g1", NOW + 1)
    assert await store.find_grant(sub_for(1), CLIENT_ID) is None
    revoked = await store.find_grant_by_id("g1")
    assert revoked is not None
    assert revoked.revoked_at == NOW + 1


async def test_store_list_grants_live_only_filtered_by_user(store: SqlStore) -> None:
    await seed_client(store, user(1), user(2), user(3))
    await store.save_grant(sub_for(1), CLIENT_ID, ["openid"], NOW, "g1")
    await store.save_grant(sub_for(2), CLIENT_ID, ["openid"], NOW + 1, "g2")
    await store.save_grant(sub_for(3), CLIENT_ID, ["openid"], NOW + 2, "g3")
    await store.revoke_grant("g3", NOW + 3)
    assert [g.grant_id for g in await store.list_grants()] == ["g1", "g2"]
    assert [g.grant_id for g in await store.list_grants(sub_for(2))] == ["g2"]


async def test_store_revoke_grant_twice_or_unknown_reports_false(store: SqlStore) -> None:
    await seed_client(store)
    await store.save_grant(sub_for(1), CLIENT_ID, ["openid"], NOW, "g1")
    assert await store.revoke_grant("g1", NOW) is True
    assert await store.revoke_grant("g1", NOW + 1) is False
    assert await store.revoke_grant("nope", NOW) is False


async def test_store_revoke_grant_revokes_its_tokens_and_unconsumed_codes(store: SqlStore) -> None:
    first = await grant_with_code(store, "first")
    await store.consume_code(first.code_hash, NOW, tokens_for)
    pending = code("pending", first.grant_id)
    await store.save_code(pending)
    later = token("refreshed", first.grant_id, "other-family", kind="refresh")
    await store.save_tokens([later])

    assert await store.revoke_grant(first.grant_id, NOW + 7) is True

    for t in (*tokens_for(first), later):
        found = await store.find_token(t.token_hash)
        assert found is not None
        assert found.revoked_at == NOW + 7
    after = await store.consume_code(pending.code_hash, NOW + 8, never_called)
    assert (after.status, after.tokens) == ("replayed", ())


async def test_store_revoke_grant_leaves_other_grants_alone(store: SqlStore) -> None:
    await seed_client(store, user(1), user(2))
    await store.save_grant(sub_for(1), CLIENT_ID, ["openid"], NOW, "g1")
    await store.save_grant(sub_for(2), CLIENT_ID, ["openid"], NOW, "g2")
    other = code("other", "g2", user_sub=sub_for(2))
    await store.save_code(other)
    await store.save_tokens([token("t2", "g2", "f2", user_sub=sub_for(2))])
    await store.revoke_grant("g1", NOW)
    t2 = await store.find_token(sha("t2"))
    assert t2 is not None
    assert t2.revoked_at is None
    assert (await store.consume_code(other.code_hash, NOW, tokens_for)).status == "ok"


# codes and tokens ----------------------------------------------------------------------------
async def test_store_code_round_trips_through_consume(store: SqlStore) -> None:
    c = await grant_with_code(store)
    seen: list[AuthCode] = []

    def issue(claimed: AuthCode) -> tuple[Token, ...]:
        seen.append(claimed)
        return tokens_for(claimed)

    result = await store.consume_code(c.code_hash, NOW + 3, issue)
    assert seen == [dataclasses.replace(c, consumed_at=NOW + 3)]
    assert result.status == "ok"
    assert result.code == seen[0]
    assert result.tokens == tokens_for(c)


async def test_store_consume_saves_issued_tokens(store: SqlStore) -> None:
    c = await grant_with_code(store)
    await store.consume_code(c.code_hash, NOW, tokens_for)
    for t in tokens_for(c):
        assert await store.find_token(t.token_hash) == t


async def test_store_consume_with_no_tokens_is_ok(store: SqlStore) -> None:
    c = await grant_with_code(store)
    result = await store.consume_code(c.code_hash, NOW, lambda _: ())
    assert (result.status, result.tokens) == ("ok", ())


async def test_store_second_consume_is_replay_and_revokes_the_family(store: SqlStore) -> None:
    c = await grant_with_code(store)
    await store.consume_code(c.code_hash, NOW, tokens_for)
    replay = await store.consume_code(c.code_hash, NOW + 20, never_called)
    assert replay.status == "replayed"
    assert replay.code is not None
    assert (replay.code.code_id, replay.code.consumed_at, replay.tokens) == (c.code_id, NOW, ())
    for t in tokens_for(c):
        found = await store.find_token(t.token_hash)
        assert found is not None
        assert found.revoked_at == NOW + 20


async def test_store_replay_revokes_only_that_family(store: SqlStore) -> None:
    c = await grant_with_code(store, "c1")
    other = code("c2", c.grant_id)
    await store.save_code(other)
    await store.consume_code(c.code_hash, NOW, tokens_for)
    await store.consume_code(other.code_hash, NOW, tokens_for)
    await store.consume_code(c.code_hash, NOW + 1, never_called)
    for t in tokens_for(other):
        found = await store.find_token(t.token_hash)
        assert found is not None
        assert found.revoked_at is None


async def test_store_expired_code_not_consumed(store: SqlStore) -> None:
    c = await grant_with_code(store)
    expired = await store.consume_code(c.code_hash, c.expires_at, never_called)
    assert expired.status == "expired"
    assert expired.code == c
    # Left unconsumed: the same code is still redeemable at a time inside its lifetime.
    assert (await store.consume_code(c.code_hash, c.expires_at - 1, tokens_for)).status == "ok"


async def test_store_unknown_code(store: SqlStore) -> None:
    result = await store.consume_code(sha("never saved"), NOW, never_called)
    assert (result.status, result.code, result.tokens) == ("unknown", None, ())


async def test_store_failed_issue_writes_nothing_and_leaves_code_unconsumed(
    store: SqlStore,
) -> None:
    c = await grant_with_code(store)

    def issue(claimed: AuthCode) -> tuple[Token, ...]:
        raise RuntimeError("signing failed")

    with pytest.raises(RuntimeError, match="signing failed"):
        await store.consume_code(c.code_hash, NOW, issue)
    for t in tokens_for(c):
        assert await store.find_token(t.token_hash) is None
    assert (await store.consume_code(c.code_hash, NOW, tokens_for)).status == "ok"


async def test_store_duplicate_code_hash_conflicts(store: SqlStore) -> None:
    c = await grant_with_code(store)
    with pytest.raises(Conflict):
        await store.save_code(dataclasses.replace(c, code_id="another"))


async def test_store_token_round_trips(store: SqlStore) -> None:
    t = token("t", "g", "f", azp="native.apps.googleusercontent.com", offline=True)
    await store.save_tokens([t])
    assert await store.find_token(t.token_hash) == t
    assert await store.find_token(sha("unknown")) is None


async def test_store_duplicate_token_hash_conflicts(store: SqlStore) -> None:
    await store.save_tokens([token("t", "g", "f")])
    with pytest.raises(Conflict):
        await store.save_tokens([token("t", "g", "f2")])


async def test_store_revoke_family_revokes_live_tokens_once(store: SqlStore) -> None:
    await store.save_tokens(
        [
            token("a", "g", "f"),
            token("b", "g", "f", kind="refresh", expires_at=None),
            token("c", "g", "f", revoked_at=NOW - 1),
            token("other", "g", "f2"),
        ]
    )
    assert await store.revoke_family("f", NOW) == 2
    assert await store.revoke_family("f", NOW + 1) == 0
    revoked_at = {}
    for name in ("a", "b", "c", "other"):
        found = await store.find_token(sha(name))
        assert found is not None
        revoked_at[name] = found.revoked_at
    assert revoked_at == {"a": NOW, "b": NOW, "c": NOW - 1, "other": None}


# hashes only ---------------------------------------------------------------------------------
async def test_store_holds_only_hashes_of_credentials(store: SqlStore, store_url: str) -> None:
    await store.create_user(user(1))
    new = await create_client(
        store, name="App", redirect_uris=["https://app.example.com/cb"], now=NOW
    )
    assert new.secret is not None
    _, cookie = await Sessions(store, lambda: NOW, 3600).sign_in(None, sub_for(1), "UA")
    grant = await store.save_grant(sub_for(1), new.client.client_id, ["openid"], NOW, "g1")
    raw_code, raw_access, raw_refresh = new_code(), new_access_token(), new_refresh_token()
    await store.save_code(code("x", grant.grant_id, code_hash=hash_secret(raw_code)))

    def issue(c: AuthCode) -> tuple[Token, ...]:
        return (
            token("x", c.grant_id, c.code_id, token_hash=hash_secret(raw_access)),
            token("y", c.grant_id, c.code_id, token_hash=hash_secret(raw_refresh), kind="refresh"),
        )

    assert (await store.consume_code(hash_secret(raw_code), NOW, issue)).status == "ok"

    dump = all_rows_text(store_url)
    for raw in (new.secret, cookie, raw_code, raw_access, raw_refresh):
        assert raw not in dump
        assert hash_secret(raw) in dump


async def test_store_consume_code_saves_the_codes_issued_with_the_tokens(
    store: SqlStore,
) -> None:
    """A native exchange's server code is written in the exchange's transaction: a replay of
    the native code cannot come between them and leave the server code redeemable."""
    native = await grant_with_code(store, "native")
    server = code("server", native.grant_id, family_id=native.code_id, redirect_uri="")

    def issue(c: AuthCode) -> tuple[Token | AuthCode, ...]:
        return (*tokens_for(c), server)

    assert (await store.consume_code(native.code_hash, NOW, issue)).status == "ok"
    replay = await store.consume_code(native.code_hash, NOW, never_called)
    assert replay.status == "replayed"
    burnt = await store.consume_code(server.code_hash, NOW, never_called)
    assert burnt.status == "replayed"  # consumed by the replay of its family


async def test_store_save_tokens_from_a_revoked_parent_saves_nothing(store: SqlStore) -> None:
    code = await grant_with_code(store, "p1")
    result = await store.consume_code(code.code_hash, NOW, tokens_for)
    refresh = next(x for x in result.tokens if x.kind == "refresh")
    await store.revoke_family(code.code_id, NOW)
    child = replace(refresh, token_hash=hash_secret("child"), kind="access")
    assert await store.save_tokens([child], parent=refresh.token_hash) is False
    assert await store.find_token(child.token_hash) is None


async def test_store_save_tokens_of_a_revoked_grant_saves_nothing(store: SqlStore) -> None:
    code = await grant_with_code(store, "p2")
    result = await store.consume_code(code.code_hash, NOW, tokens_for)
    refresh = next(x for x in result.tokens if x.kind == "refresh")
    await store.revoke_grant(code.grant_id, NOW)
    child = replace(refresh, token_hash=hash_secret("child2"), kind="access")
    assert await store.save_tokens([child], parent=refresh.token_hash) is False


async def test_store_save_tokens_for_a_live_grant_only(store: SqlStore) -> None:
    """Implicit-flow tokens have no parent: `live_grant` is their guard against a revocation."""
    code = await grant_with_code(store, "p4")
    implicit = token("implicit", code.grant_id, "f4")
    assert await store.save_tokens([implicit], live_grant=True) is True
    assert await store.find_token(implicit.token_hash) == implicit
    await store.revoke_grant(code.grant_id, NOW)
    late = token("late", code.grant_id, "f5")
    assert await store.save_tokens([late], live_grant=True) is False
    assert await store.find_token(late.token_hash) is None


async def test_store_save_tokens_from_a_live_parent(store: SqlStore) -> None:
    code = await grant_with_code(store, "p3")
    result = await store.consume_code(code.code_hash, NOW, tokens_for)
    refresh = next(x for x in result.tokens if x.kind == "refresh")
    child = replace(refresh, token_hash=hash_secret("child3"), kind="access")
    assert await store.save_tokens([child], parent=refresh.token_hash) is True
    assert await store.find_token(child.token_hash) == child


async def test_store_load_state_writes_everything(store: SqlStore) -> None:
    key = signing_key("imported", NOW)
    grant = Grant("g-imp", sub_for(1), CLIENT_ID, ("openid",), NOW, NOW)
    await store.load_state([user(1)], [project()], [client()], [key], [grant])
    assert await store.find_user(sub_for(1)) == user(1)
    assert await store.find_client(CLIENT_ID) == client()
    assert [k.kid for k in await store.list_signing_keys()] == ["imported"]
    assert await store.find_grant(sub_for(1), CLIENT_ID) == grant


async def test_store_load_state_is_all_or_nothing(store: SqlStore) -> None:
    duplicate = user(2, email="user1@example.com")
    with pytest.raises(Conflict):
        await store.load_state([user(1), duplicate], [project()], [client()], [], [])
    assert await store.list_users() == []
    assert await store.list_projects() == []


async def test_store_load_state_refuses_an_instance_with_data(store: SqlStore) -> None:
    await seed_client(store)
    with pytest.raises(Conflict, match="already has data"):
        await store.load_state([user(5)], [], [], [], [])
    assert await store.find_user(sub_for(5)) is None


async def test_store_save_tokens_marks_the_parent_used(store: SqlStore) -> None:
    code = await grant_with_code(store, "u1")
    result = await store.consume_code(code.code_hash, NOW, tokens_for)
    refresh = next(x for x in result.tokens if x.kind == "refresh")
    stored = await store.find_token(refresh.token_hash)
    assert stored is not None and stored.last_used_at is None
    child = replace(refresh, token_hash=hash_secret("child-u1"), kind="access", created_at=NOW + 50)
    assert await store.save_tokens([child], parent=refresh.token_hash) is True
    stored = await store.find_token(refresh.token_hash)
    assert stored is not None and stored.last_used_at == NOW + 50


async def test_store_consume_with_refresh_cap_revokes_the_oldest_refresh_tokens(
    store: SqlStore,
) -> None:
    first = await grant_with_code(store, "cap0")
    issued: list[Token] = []
    for i in range(4):
        c = first if i == 0 else code(f"cap{i}", first.grant_id)
        if i:
            await store.save_code(c)

        def issue(claimed: AuthCode, i: int = i) -> tuple[Token, ...]:
            return tuple(replace(x, created_at=NOW + i) for x in tokens_for(claimed))

        result = await store.consume_code(c.code_hash, NOW + i, issue, refresh_cap=2)
        assert result.status == "ok"
        issued.extend(result.tokens)
    states = {}
    for x in issued:
        stored = await store.find_token(x.token_hash)
        assert stored is not None
        states[(x.kind, x.created_at - NOW)] = stored.revoked_at
    assert states == {
        ("access", 0): None,  # access tokens expire on their own; only refresh tokens count
        ("access", 1): None,
        ("access", 2): None,
        ("access", 3): None,
        ("refresh", 0): NOW + 2,  # revoked when the third was issued
        ("refresh", 1): NOW + 3,
        ("refresh", 2): None,
        ("refresh", 3): None,
    }
