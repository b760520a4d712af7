import pytest

from .world import History


@pytest.fixture
def history(desk):
    return History(desk)
