// The flow drawn (Graphviz's SVG from the service), a node's details, search, and redrawing when the
// live flow changes. The same drawing lights a browser call's path (phone.js).
import { api, apiText, el, say } from "./api.js";

const POLL_MS = 3000;

export class FlowView {
  constructor() {
    this.data = null;
    this.svg = "";
    this.selected = null;
    this.listeners = [];
    this.onEdit = null;
    this.language = null;
    document.getElementById("node-search").addEventListener("input", (e) => this.search(e.target.value));
    document.getElementById("drawing-language").addEventListener("change", (e) => {
      this.language = e.target.value;
      this.redraw();
    });
    setInterval(() => this.poll(), POLL_MS);
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  async load() {
    this.data = await api("/api/flow");
    this.language = this.language ?? this.data.default_language;
    const choice = document.getElementById("drawing-language");
    choice.replaceChildren(
      ...Object.entries(this.data.languages).map(([code, name]) =>
        el("option", { value: code, selected: code === this.language }, name),
      ),
    );
    const nodes = Object.keys(this.data.nodes).length;
    const problems = this.data.problems.length;
    document.getElementById("flow-summary").textContent =
      `${this.data.name}: ${nodes} nodes, live version ${this.data.version}.` +
      (problems ? ` The files on disk have ${problems} problem(s); callers keep this version.` : "");
    await this.redraw();
    if (this.selected && this.data.nodes[this.selected]) this.select(this.selected, false);
    for (const listener of this.listeners) listener(this.data);
  }

  async redraw() {
    try {
      this.svg = await apiText(`/api/flow/drawing.svg?language=${encodeURIComponent(this.language)}`);
    } catch (error) {
      this.svg = "";
      say(`The flow cannot be drawn: ${error.message}`);
    }
    this.render(document.getElementById("drawing"), (id) => this.select(id, true));
  }

  // Put the drawing into a container; every node becomes a button (click, Enter or Space).
  render(container, onSelect) {
    container.innerHTML = this.svg;
    const svg = container.querySelector("svg");
    if (!svg) return;
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", "The flow's nodes");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    for (const group of svg.querySelectorAll("g.node")) {
      const id = group.querySelector("title")?.textContent ?? "";
      const node = this.data?.nodes[id];
      group.dataset.node = id;
      group.setAttribute("tabindex", "0");
      group.setAttribute("role", "button");
      // The accessible name starts with the words drawn in the node (WCAG 2.5.3, label in name).
      const drawn = [...group.querySelectorAll("text")].map((t) => t.textContent.trim()).join(", ");
      group.setAttribute("aria-label", `${drawn || id}${node?.goal ? ", goal" : ""}`);
      if (node?.goal) group.classList.add("goal");
      if (node?.problems.length) group.classList.add("has-problem");
      group.querySelector("title")?.remove(); // the accessible name is the aria-label
      group.addEventListener("click", () => onSelect(id));
      group.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          onSelect(id);
        }
      });
    }
    for (const group of svg.querySelectorAll("g.edge")) {
      const title = group.querySelector("title")?.textContent ?? "";
      const [from, to] = title.split("->");
      group.dataset.from = from;
      group.dataset.to = to;
      group.setAttribute("aria-hidden", "true");
    }
    svg.querySelector("g.graph > title")?.remove();
  }

  async poll() {
    if (!this.data || document.hidden) return;
    try {
      const { version } = await api("/api/flow/version");
      if (version !== this.data.version) {
        await this.load();
        say(`The flow changed: version ${version} is live, and the drawing shows it.`);
      }
    } catch {
      // the next poll tries again
    }
  }

  search(text) {
    const list = document.getElementById("search-results");
    const wanted = text.trim().toLowerCase();
    if (!wanted || !this.data) {
      list.replaceChildren();
      return;
    }
    const found = Object.values(this.data.nodes).filter((node) => {
      const words = node.options.flatMap((o) => Object.values(o.words).flat());
      const prompts = node.prompts.flatMap((p) => [p.prompt, ...Object.values(p.text)]);
      return [node.id, node.kind, node.handler ?? "", ...words, ...prompts].some((t) => t.toLowerCase().includes(wanted));
    });
    list.replaceChildren(
      ...found.slice(0, 30).map((node) =>
        el("li", {}, el("button", { type: "button", class: "link", onclick: () => this.select(node.id, true) }, `${node.id} (${node.kind})`)),
      ),
    );
    say(`${found.length} node(s) found.`);
  }

  select(id, focus) {
    const node = this.data.nodes[id];
    if (!node) return;
    this.selected = id;
    for (const group of document.querySelectorAll("#drawing g.node")) {
      group.classList.toggle("selected", group.dataset.node === id);
    }
    const panel = document.getElementById("node-details");
    const languages = Object.entries(this.data.languages);
    const heading = el("h2", { id: "node-title", tabindex: "-1" }, id);
    panel.replaceChildren(
      ...[
      heading,
      el(
        "p",
        {},
        `A ${node.kind} node`,
        node.start ? ", where calls start" : "",
        node.goal ? ", a goal (self-service completed)" : "",
        node.handler ? `, running the handler ${node.handler}` : "",
        node.transfer_to ? `, transferring to ${node.transfer_to}` : "",
        node.digits ? `, asking for ${node.digits.min} to ${node.digits.max} digits${node.digits.secret ? " (secret)" : ""}` : "",
        ".",
      ),
      node.defined
        ? el(
            "p",
            {},
            el(
              "button",
              { type: "button", class: "secondary", onclick: () => this.onEdit?.(node.defined.file, node.defined.line) },
              `Edit in ${node.defined.file} at line ${node.defined.line}`,
            ),
          )
        : null,
      node.problems.length
        ? el("div", { class: "error" }, el("h3", {}, "Problems"), el("ul", {}, node.problems.map((p) => el("li", {}, p))))
        : null,
      node.prompts.length
        ? el(
            "table",
            {},
            el("caption", {}, "What callers hear"),
            el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Prompt"), languages.map(([, name]) => el("th", { scope: "col" }, name)))),
            el(
              "tbody",
              {},
              node.prompts.map((p) =>
                el("tr", {}, el("th", { scope: "row" }, `${p.prompt} (${p.where})`), languages.map(([code]) => el("td", { lang: code }, p.text[code] ?? ""))),
              ),
            ),
          )
        : null,
      node.options.length
        ? el(
            "table",
            {},
            el("caption", {}, "Options"),
            el(
              "thead",
              {},
              el("tr", {}, el("th", { scope: "col" }, "Key"), languages.map(([, name]) => el("th", { scope: "col" }, `Words (${name})`)), el("th", { scope: "col" }, "Goes to")),
            ),
            el(
              "tbody",
              {},
              node.options.map((o) =>
                el(
                  "tr",
                  {},
                  el("td", {}, o.key ?? "—"),
                  languages.map(([code]) => el("td", { lang: code }, (o.words[code] ?? []).join(", "))),
                  el("td", {}, o.next ? this.targetButton(o.next) : `the ${o.command} command`, o.when ? ` (only while ${o.when})` : "", o.language ? ` (switches to ${o.language})` : ""),
                ),
              ),
            ),
          )
        : null,
      el("h3", {}, "Goes to"),
      node.targets.length
        ? el("ul", {}, node.targets.map((t) => el("li", {}, `${t.via}: `, this.targetButton(t.target))))
        : el("p", {}, "Nowhere: the call ends here."),
      ].filter(Boolean),
    );
    if (focus) heading.focus();
  }

  targetButton(target) {
    return el("button", { type: "button", class: "link", onclick: () => this.select(target, true) }, target);
  }
}

// Light a call's path on a drawing: visited nodes and the edges between them; the current node stands out.
export function lightPath(container, path, current) {
  const visited = new Set(path);
  for (const group of container.querySelectorAll("g.node")) {
    group.classList.toggle("visited", visited.has(group.dataset.node));
    group.classList.toggle("current", group.dataset.node === current);
  }
  const steps = new Set(path.slice(1).map((to, i) => `${path[i]}->${to}`));
  for (const group of container.querySelectorAll("g.edge")) {
    group.classList.toggle("visited", steps.has(`${group.dataset.from}->${group.dataset.to}`));
  }
  container.querySelector("g.node.current")?.scrollIntoView({ block: "nearest", inline: "nearest" });
}
