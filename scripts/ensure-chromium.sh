#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright (Playwright cannot download browsers
# here). Install it when it is missing and we can; otherwise the browser tests skip locally
# (CI sets HIVE_REQUIRE_SERVICES=1, which turns that skip into a failure).
set -u
# A small CJK font too, so screenshots of the Chinese console are legible.
command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium and a CJK font for the browser tests..."
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null 2>&1 \
    || echo "warning: could not install chromium; browser tests will be skipped" >&2
else
  echo "note: chromium is not installed; browser tests will be skipped" >&2
fi
exit 0
