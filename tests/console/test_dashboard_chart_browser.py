"""The admin dashboard's chart in a real Chromium: its money axis and tooltips show yuan in the
one money format (``format_money``: "¥12,345.67"), not fen or bare numbers."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from hive.platform.money import format_money
from tests.console.test_console_journeys import DESKTOP, _signed_in

FEN = [0, 5, 1250, 99_99, 1_234_567, 300_000_00, -1250]
AXIS = """([values]) => {
  const option = echarts.getInstanceByDom(document.getElementById("chart-orders")).getOption();
  const formatter = option.yAxis[option.series[1].yAxisIndex].axisLabel.formatter;
  const tooltip = option.tooltip[0].formatter;
  return {
    axis: values.map((fen) => formatter(fen / 100)),
    tip: tooltip([{axisValue: "d", marker: "", seriesName: "GMV", seriesIndex: 1, dataIndex: 0,
                   value: values[4] / 100}]),
    money: option.series[1].data.length,
  };
}"""


@pytest.mark.browser
async def test_the_gmv_axis_and_tooltip_show_yuan_in_the_money_format(
    browser: Browser, hcm_url: str
) -> None:
    page = await _signed_in(browser, hcm_url, "admin", "admin-pass-1", DESKTOP)
    await page.wait_for_function(
        "window.echarts && echarts.getInstanceByDom(document.getElementById('chart-orders'))"
    )
    shown = await page.evaluate(AXIS, [FEN])
    assert shown["axis"] == [format_money(fen) for fen in FEN]
    assert shown["money"] == 30
    assert shown["tip"] == "d<br>GMV: ¥0.00"  # the server's label of the day (no orders)
