"""Redis and RabbitMQ, when configured, are checked for real (CI requires both servers)."""

from __future__ import annotations

import aio_pika.exceptions
import httpx
import pytest
import redis.exceptions

from hive.platform.config import Settings
from hive.platform.http import create_app
from hive.platform.readiness import check_amqp, check_redis, run_checks
from tests.support.servers import running_server
from tests.support.services import AMQP_URL, REDIS_URL, require_server


@pytest.mark.redis
async def test_redis_readiness_check_talks_to_a_real_server() -> None:
    require_server("Redis", REDIS_URL, 6379)
    await check_redis(REDIS_URL)
    with pytest.raises(redis.exceptions.ConnectionError, match=r"connecting to 127\.0\.0\.1:1\."):
        await check_redis("redis://127.0.0.1:1/0")
    reasons = await run_checks({"redis": lambda: check_redis("redis://127.0.0.1:1/0")})
    assert reasons == {"redis": "error: ConnectionError"}


@pytest.mark.amqp
async def test_amqp_readiness_check_talks_to_a_real_server() -> None:
    require_server("RabbitMQ", AMQP_URL, 5672)
    await check_amqp(AMQP_URL)
    wrong_password = "amqp://guest:wrong@127.0.0.1:5672/"
    with pytest.raises(aio_pika.exceptions.ProbableAuthenticationError, match="ACCESS_REFUSED"):
        await check_amqp(wrong_password)
    reasons = await run_checks({"amqp": lambda: check_amqp(wrong_password)})
    assert reasons == {"amqp": "error: ProbableAuthenticationError"}


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
