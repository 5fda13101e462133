"""Redis and RabbitMQ, when configured, are checked for real (CI requires both servers)."""

from __future__ import annotations

import httpx
import pytest

from hive.platform.config import Settings
from hive.platform.http import create_app
from hive.platform.readiness import check_amqp, check_redis
from tests.support.servers import running_server
from tests.support.services import AMQP_URL, REDIS_URL, require_server


@pytest.mark.redis
async def test_redis_readiness_check_talks_to_a_real_server() -> None:
    require_server("Redis", REDIS_URL, 6379)
    await check_redis(REDIS_URL)
    with pytest.raises(Exception, match=r".+"):
        await check_redis("redis://127.0.0.1:1/0")


@pytest.mark.amqp
async def test_amqp_readiness_check_talks_to_a_real_server() -> None:
    require_server("RabbitMQ", AMQP_URL, 5672)
    await check_amqp(AMQP_URL)
    with pytest.raises(Exception, match=r".+"):
        await check_amqp("amqp://guest:wrong@127.0.0.1:5672/")


@pytest.mark.redis
@pytest.mark.amqp
def test_readyz_reports_every_configured_component(settings: Settings) -> None:
    require_server("Redis", REDIS_URL, 6379)
    require_server("RabbitMQ", AMQP_URL, 5672)
    configured = settings.model_copy(update={"redis_url": REDIS_URL, "amqp_url": AMQP_URL})
    app = create_app(name="test", settings=configured, database_url=settings.database_url)
    with running_server(app) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "amqp": "ok"}
