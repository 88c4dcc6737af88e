// Every published version: who, when, the diff against the one before, and a rollback.
import { api, el, may, say } from "./api.js";

export class History {
  constructor(flow, editor) {
    this.flow = flow;
    this.editor = editor;
  }

  show() {
    this.refresh();
  }

  async refresh() {
    const { publications } = await api("/api/publications");
    const body = document.querySelector("#history-table tbody");
    if (!publications.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: "7" }, "Nothing has been published from the console yet.")));
      return;
    }
    body.replaceChildren(
      ...publications.map((p) =>
        el(
          "tr",
          {},
          el("td", {}, p.id),
          el("td", {}, el("time", { datetime: p.published_at }, p.published_at.replace("T", " "))),
          el("td", {}, p.published_by ?? "(the files before the first publication)"),
          el("td", {}, p.kind === "rollback" ? `rollback to #${p.rollback_of}` : p.kind),
          el("td", {}, el("code", {}, p.version)),
          el("td", {}, `+${p.lines_added} −${p.lines_removed}`),
          el(
            "td",
            {},
            el("button", { type: "button", class: "secondary", onclick: () => this.diff(p.id) }, `Diff of #${p.id}`),
            " ",
            may("publisher")
              ? el("button", { type: "button", onclick: () => this.rollback(p.id) }, `Roll back to #${p.id}`)
              : null,
          ),
        ),
      ),
    );
  }

  async diff(id) {
    const publication = await api(`/api/publications/${id}`);
    const pre = document.getElementById("diff");
    pre.replaceChildren(
      ...(publication.diff || "(no changes: the files as they were)\n").split("\n").map((line) =>
        el("span", { class: line.startsWith("+") ? "added" : line.startsWith("-") ? "removed" : "" }, `${line}\n`),
      ),
    );
    document.getElementById("diff-title").textContent = `Diff of #${id}`;
    pre.focus();
  }

  async rollback(id) {
    try {
      const done = await api(`/api/publications/${id}/rollback`, { method: "POST", body: {} });
      say(`Rolled back: publication #${done.publication}, version ${done.version}, goes live within a few seconds.`);
      await this.flow.load();
      await this.editor.load();
      await this.refresh();
    } catch (error) {
      say(`Not rolled back: ${error.message}`);
    }
  }
}
