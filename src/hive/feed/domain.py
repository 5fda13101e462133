"""The supplier change feed: ingestion, the message log, its retention and its console page."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="feed",
    models=["hive.feed.models"],
    tasks=["hive.feed.tasks"],
    hcm_routers=["hive.feed.exports:router", "hive.feed.routes:router"],
    menu=["hive.feed.menu:MENU"],
)
