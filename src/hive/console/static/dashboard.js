// Dashboard charts (ECharts from /static/vendor). Each <div class="chart" data-chart="{json}">
// gets a chart of its days; the table beside it holds the same numbers (read without scripts).
// Two shapes of data: {days, counts} (one bar series named by data-label) and
// {days, series: [{key, values, money?, labels?}]} (the first series as bars on the left axis,
// the others as lines on the right; a money series is given in fen and drawn in yuan, its
// tooltip showing the server's formatted labels, its value axis in the same format as
// hive.platform.money.format_money, "¥12,345.67"; each series is named by data-label-<key>).
(function () {
  "use strict";
  // Yuan (an axis value) in the one money format: "¥12,345.67", "-¥12.50".
  function money(yuan) {
    var fen = Math.round(yuan * 100);
    var sign = fen < 0 ? "-" : "";
    fen = Math.abs(fen);
    var cents = fen % 100;
    return sign + "\u00a5" + Math.floor(fen / 100).toLocaleString("en-US") + "." + (cents < 10 ? "0" : "") + cents;
  }
  function seriesOf(box, data) {
    if (!data.series) {
      return [{ name: box.dataset.label, type: "bar", data: data.counts, itemStyle: { color: "#0b57d0" } }];
    }
    return data.series.map(function (s, i) {
      var values = s.money ? s.values.map(function (fen) { return fen / 100; }) : s.values;
      return {
        name: box.getAttribute("data-label-" + s.key) || s.key,
        type: i === 0 ? "bar" : "line",
        yAxisIndex: i === 0 ? 0 : 1,
        data: values,
        labels: s.labels,
        money: Boolean(s.money),
        itemStyle: { color: i === 0 ? "#0b57d0" : "#b3261e" }
      };
    });
  }
  function tooltip(series) {
    return function (points) {
      var lines = [points[0].axisValue];
      points.forEach(function (p) {
        var labels = series[p.seriesIndex].labels;
        var shown = series[p.seriesIndex].money ? money(p.value) : p.value;
        lines.push(p.marker + p.seriesName + ": " + (labels ? labels[p.dataIndex] : shown));
      });
      return lines.join("<br>");
    };
  }
  function draw() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("div.chart[data-chart]").forEach(function (box) {
      var data = JSON.parse(box.dataset.chart);
      if (!data.days.length) { box.hidden = true; return; }
      var series = seriesOf(box, data);
      var chart = echarts.init(box);
      var axes = [{ type: "value", minInterval: 1 }];
      if (series.length > 1) { axes.push({ type: "value", splitLine: { show: false } }); }
      series.forEach(function (s) {
        if (s.money) { axes[s.yAxisIndex || 0].axisLabel = { formatter: money }; }
      });
      chart.setOption({
        grid: { left: 48, right: series.length > 1 ? 64 : 16, top: series.length > 1 ? 32 : 16, bottom: 32 },
        tooltip: { trigger: "axis", formatter: tooltip(series) },
        legend: series.length > 1 ? { top: 0 } : undefined,
        xAxis: { type: "category", data: data.days },
        yAxis: axes,
        series: series
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
