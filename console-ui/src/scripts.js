// Call scripts (tests/calls/): run them all against the live flow and show what no script goes through.
import { api, el, say } from "./api.js";

export class Scripts {
  constructor() {
    document.getElementById("scripts-run").addEventListener("click", () => this.run());
  }

  async run() {
    const button = document.getElementById("scripts-run");
    button.disabled = true;
    say("Running the call scripts…");
    try {
      const report = await api("/api/scripts/run", { method: "POST", body: {} });
      document.querySelector("#scripts-table tbody").replaceChildren(
        ...report.results.map((r) =>
          el(
            "tr",
            { class: r.ok ? "pass" : "fail" },
            el("th", { scope: "row" }, el("span", {}, r.name), el("br"), el("code", {}, r.script)),
            el("td", {}, r.ok ? "pass" : "FAIL"),
            el("td", {}, r.problems.length ? el("ul", {}, r.problems.map((p) => el("li", {}, p))) : "—"),
          ),
        ),
      );
      document.getElementById("uncovered").replaceChildren(
        ...(report.uncovered.length ? report.uncovered.map((gap) => el("li", {}, gap)) : [el("li", {}, "Every node and option is covered.")]),
      );
      say(`${report.passed} passed, ${report.failed} failed; ${report.uncovered.length} not covered.`);
    } catch (error) {
      say(`The scripts could not run: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }
}
