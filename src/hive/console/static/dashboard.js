// Dashboard charts (ECharts from /static/vendor). Each <div class="chart" data-chart="{json}">
// gets a bar chart of its days and counts; the table beside it holds the same numbers.
(function () {
  "use strict";
  function draw() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("div.chart[data-chart]").forEach(function (box) {
      var data = JSON.parse(box.dataset.chart);
      if (!data.days.length) { box.hidden = true; return; }
      var chart = echarts.init(box);
      chart.setOption({
        grid: { left: 40, right: 16, top: 16, bottom: 32 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.days },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: box.dataset.label, type: "bar", data: data.counts, itemStyle: { color: "#0b57d0" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
