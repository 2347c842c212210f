// The usage chart: calls created per hour over the last 24 hours, stacked by status (Chart.js, served locally).
(() => {
  const canvas = document.getElementById("usage-chart");
  const data = document.getElementById("usage-data");
  if (!canvas || !data || typeof Chart === "undefined") return;
  const { labels, series } = JSON.parse(data.textContent);
  const colors = {
    queued: "#6b7280", dialing: "#0369a1", ringing: "#7c3aed", in_progress: "#0891b2", completed: "#15803d",
    no_answer: "#a16207", busy: "#be185d", failed: "#b91c1c", canceled: "#374151",
  };
  new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: series.map((s) => ({ label: s.status, data: s.counts, backgroundColor: colors[s.status] || "#111827" })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } },
    },
  });
})();
