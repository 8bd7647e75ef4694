// Dashboard charts (ECharts, vendored). Data comes from the json_script block, the
// series' translated names from the charts' data-label-* attributes.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const charts = document.getElementById("charts").dataset;
  const labels = {
    secondments: charts.labelSecondments,
    activities: charts.labelActivities,
    stints: charts.labelStints,
  };
  const make = (id, option) => {
    const element = document.getElementById(id);
    if (!element) return;
    const chart = echarts.init(element);
    chart.setOption(option);
    element.dataset.rendered = "true";
    window.addEventListener("resize", () => chart.resize());
  };
  // Every category keeps its label (ECharts would skip some on a narrow screen,
  // leaving a month's bar under its neighbour's name); counts have whole ticks.
  const narrow = document.getElementById("charts").clientWidth < 576;
  const bars = (categories, series) => ({
    tooltip: { trigger: "axis" },
    legend: {},
    grid: { left: 10, right: 20, top: 40, bottom: 10, containLabel: true },
    xAxis: {
      type: "category",
      data: categories,
      axisLabel: { interval: 0, rotate: categories.length > 8 || narrow ? 40 : 0 },
    },
    yAxis: { type: "value", minInterval: 1 },
    series: series.map(([name, values]) => ({ name, type: "bar", data: values })),
  });
  make("chart-region", bars(data.by_region.labels, [
    [labels.secondments, data.by_region.secondments],
    [labels.activities, data.by_region.activities],
  ]));
  make("chart-month", bars(data.by_month.labels, [
    [labels.activities, data.by_month.activities],
    [labels.stints, data.by_month.stints],
  ]));
  make("chart-source", {
    tooltip: { trigger: "item", valueFormatter: (v) => v.toFixed(2) },
    legend: { type: "scroll", bottom: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.by_source }],
  });
})();
