// Charts of the regulator's overview; data and (translated) labels come from json_script blocks.
(function () {
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var labels = data("chart-labels");
  var blue = "#0b4f8a", green = "#198754";
  var counts = { y: { beginAtZero: true, ticks: { precision: 0 } } };
  var month = data("data-month");
  new Chart(document.getElementById("chart-month"), {
    type: "line",
    data: { labels: month.map(function (m) { return m.month; }),
      datasets: [{ label: labels.submitted, data: month.map(function (m) { return m.submitted; }), borderColor: blue },
                 { label: labels.delivered, data: month.map(function (m) { return m.delivered; }), borderColor: green }] },
    options: { animation: false, scales: counts }
  });
  var lines = data("data-line");
  // One colour per service line (Chart.js's own palette has seven and would repeat one); unclassified is grey.
  var palette = ["#0b4f8a", "#e4572e", "#17a398", "#f3a712", "#7b2cbf", "#29a3e0", "#c2185b", "#5c946e", "#8d6e63"];
  var colours = [], next = 0;
  lines.forEach(function (l) { colours.push(l.line_id ? palette[next++ % palette.length] : "#adb5bd"); });
  new Chart(document.getElementById("chart-line"), {
    type: "doughnut",
    data: { labels: lines.map(function (l) { return l.name; }),
      datasets: [{ data: lines.map(function (l) { return l.total; }), backgroundColor: colours }] },
    options: { animation: false, plugins: { legend: { position: "bottom" } } }
  });
  var cities = data("data-city");
  new Chart(document.getElementById("chart-city"), {
    type: "bar",
    data: { labels: cities.map(function (c) { return c.name; }),
      datasets: [{ label: labels.delivered, data: cities.map(function (c) { return c.delivered; }), backgroundColor: blue }] },
    options: { animation: false, scales: counts }
  });
})();
