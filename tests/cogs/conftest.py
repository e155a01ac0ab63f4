import pytest

from tests.cogs.stack import running_stack


@pytest.fixture
async def stack(tmp_path):
    async with running_stack(tmp_path) as parts:
        yield parts
