// Draws every <canvas data-chart="ID"> from the Chart.js configuration the server rendered with json_script ID
// (built by nqi.analytics.charts). Tooltips add the batch counts kept under the configuration's "meta" key.
(function () {
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var config = JSON.parse(source.textContent);
    var meta = config.meta || {};
    delete config.meta;
    config.options = config.options || {};
    config.options.animation = false;
    config.options.maintainAspectRatio = false;
    config.options.plugins = config.options.plugins || {};
    config.options.plugins.tooltip = {
      callbacks: {
        label: function (item) {
          var raw = item.raw;
          if (raw && typeof raw === "object" && raw.label !== undefined) {
            var unit = (meta.units || []).filter(function (u) { return u.label === raw.label; })[0];
            return raw.label + "：" + raw.y + "%（" + raw.x + " 批）" + (unit ? " " + unit.status_label : "");
          }
          var text = item.dataset.label + "：" + (item.formattedValue === "" ? "无数据" : item.formattedValue);
          if (item.datasetIndex === 0 && meta.total) {
            text += "（" + meta.passed[item.dataIndex] + "/" + meta.total[item.dataIndex] + " 批" +
              (meta.small_sample && meta.small_sample[item.dataIndex] ? "，样本量小" : "") + "）";
          }
          return text;
        }
      }
    };
    new Chart(canvas, config);
  }
  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
