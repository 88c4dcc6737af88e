// Where callers give up: calls and self-service completion by day, and per node visits, silences, answers
// not understood, hang-ups and transfers, with charts (Chart.js) and the same figures as tables.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from "chart.js";
import { api, el, say } from "./api.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);
const percent = (share) => `${Math.round(share * 1000) / 10}%`;

export class Funnel {
  constructor() {
    this.charts = {};
    document.getElementById("funnel-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      this.show();
    });
  }

  async show() {
    const days = document.getElementById("funnel-days").value;
    const channel = document.getElementById("funnel-channel").value;
    const language = document.getElementById("funnel-language").value;
    const query = new URLSearchParams({ days, channel, language });
    let data;
    try {
      data = await api(`/api/funnel?${query}`);
    } catch (error) {
      say(`The funnel could not be read: ${error.message}`);
      return;
    }
    this.options("funnel-channel", data.channels, channel, "every channel");
    this.options("funnel-language", data.languages, language, "every language");
    this.tables(data);
    this.draw(data);
    const calls = data.days.reduce((sum, day) => sum + day.calls, 0);
    say(`${calls} call(s) from ${data.first_day} to ${data.last_day}.`);
  }

  options(id, values, chosen, everything) {
    const select = document.getElementById(id);
    select.replaceChildren(el("option", { value: "" }, everything), ...values.map((v) => el("option", { value: v, selected: v === chosen }, v)));
  }

  tables(data) {
    const rows = (selector, items, cells) =>
      document.querySelector(`${selector} tbody`).replaceChildren(...items.map((item) => el("tr", {}, cells(item))));
    rows("#days-table", data.days, (d) => [
      el("th", { scope: "row" }, d.day), el("td", {}, d.calls), el("td", {}, d.completed), el("td", {}, percent(d.self_service_share)),
      el("td", {}, d.transferred), el("td", {}, d.hung_up),
    ]);
    rows("#segments-table", data.segments, (s) => [
      el("th", { scope: "row" }, s.language), el("td", {}, s.channel), el("td", {}, s.calls), el("td", {}, s.completed), el("td", {}, percent(s.self_service_share)),
    ]);
    rows("#nodes-table", data.nodes, (n) => [
      el("th", { scope: "row" }, n.node), el("td", {}, n.visits), el("td", {}, n.calls), el("td", {}, percent(n.no_input_rate)),
      el("td", {}, percent(n.no_match_rate)), el("td", {}, n.hangups), el("td", {}, n.transfers), el("td", {}, n.goals),
    ]);
  }

  draw(data) {
    for (const chart of Object.values(this.charts)) chart.destroy();
    this.charts.days = new Chart(document.getElementById("chart-days"), {
      data: {
        labels: data.days.map((d) => d.day),
        datasets: [
          { type: "bar", label: "Calls", data: data.days.map((d) => d.calls), backgroundColor: "#93c5fd", yAxisID: "calls" },
          { type: "line", label: "Self-service share (%)", data: data.days.map((d) => d.self_service_share * 100), borderColor: "#166534", backgroundColor: "#166534", yAxisID: "share" },
        ],
      },
      options: { animation: false, scales: { calls: { position: "left", beginAtZero: true }, share: { position: "right", min: 0, max: 100 } } },
    });
    const busiest = data.nodes.filter((n) => n.hangups || n.no_input || n.no_match).slice(0, 15);
    this.charts.nodes = new Chart(document.getElementById("chart-nodes"), {
      type: "bar",
      data: {
        labels: busiest.map((n) => n.node),
        datasets: [
          { label: "Hang-ups", data: busiest.map((n) => n.hangups), backgroundColor: "#b91c1c" },
          { label: "Silences (no input)", data: busiest.map((n) => n.no_input), backgroundColor: "#d97706" },
          { label: "Not understood (no match)", data: busiest.map((n) => n.no_match), backgroundColor: "#6d28d9" },
        ],
      },
      options: { animation: false, indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } },
    });
  }
}
