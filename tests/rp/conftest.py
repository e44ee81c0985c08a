"""Fixtures for the signon.rp tests (helpers live in rp_fakes, a uniquely named module)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from rp_fakes import FakeIdp


@pytest.fixture
def idp() -> Iterator[FakeIdp]:
    yield FakeIdp()


@pytest.fixture
def mint(idp: FakeIdp) -> Callable[..., str]:
    return idp.mint
