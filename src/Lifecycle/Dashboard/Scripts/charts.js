// Draws every <canvas data-chart="…"> as a Chart.js line chart. The data sits in the attribute (the page is
// server-rendered and the CSP allows no inline script); Chart.js 4 is served by this server (chart.umd.min.js).
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const data = JSON.parse(canvas.dataset.chart);
  new Chart(canvas, {
    type: "line",
    data,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true } },
    },
  });
});
