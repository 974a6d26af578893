// Placeholder UI: shows the host's health. Talks only to the origin it was loaded from.
const out = document.getElementById("health");
async function refresh() {
  try {
    const res = await fetch("/api/v1/health", { headers: { Accept: "application/json" } });
    const body = await res.json();
    out.textContent = JSON.stringify(body, null, 2);
  } catch (err) {
    out.textContent = `The host did not answer: ${err}`;
  }
}
refresh();
setInterval(refresh, 5000);
