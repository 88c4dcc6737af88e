// The YAML editor: CodeMirror 6 with completion from the schema and, as the operator types, the problems
// `ivr validate` finds (the service checks the draft with the same loader), at their line and column.
// Publishing sends the changed files; the service checks them again and writes them only if valid.
import { EditorState } from "@codemirror/state";
import { EditorView as CodeMirror, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { HighlightStyle, syntaxHighlighting, indentOnInput } from "@codemirror/language";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";
import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { tags } from "@lezer/highlight";
import { api, el, may, say } from "./api.js";
import { flowCompletion } from "./completion.js";

// Colours with at least 4.5:1 contrast on white (WCAG 2.1 AA).
const highlight = HighlightStyle.define([
  { tag: tags.comment, color: "#4b5563", fontStyle: "italic" },
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "#1e3a8a", fontWeight: "600" },
  { tag: [tags.string, tags.special(tags.string)], color: "#14532d" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "#7c2d12" },
  { tag: [tags.punctuation, tags.separator, tags.operator], color: "#374151" },
  { tag: tags.keyword, color: "#6b21a8" },
]);

export class EditorView {
  constructor(flow) {
    this.flow = flow;
    this.original = {}; // file -> text as published
    this.states = {}; // file -> EditorState with its own undo history
    this.digest = null;
    this.file = null;
    this.lastCheck = null;
    this.onPublished = null;
    this.view = null;
    this.loaded = false;
    document.getElementById("file-choice").addEventListener("change", (e) => this.open(e.target.value));
    document.getElementById("publish").addEventListener("click", () => this.publish());
    document.getElementById("discard").addEventListener("click", () => this.discard());
    flow.onChange(() => this.names());
  }

  names() {
    const data = this.flow.data;
    if (!data) return null;
    const handlers = [...new Set(Object.values(data.nodes).map((n) => n.handler).filter(Boolean))];
    return { nodes: Object.keys(data.nodes), prompts: data.prompt_ids, languages: Object.keys(data.languages), handlers };
  }

  extensions(file) {
    return [
      lineNumbers(),
      history(),
      drawSelection(),
      indentOnInput(),
      highlightActiveLine(),
      highlightSelectionMatches(),
      syntaxHighlighting(highlight),
      yaml(),
      lintGutter(),
      // Tab is left to the browser, so the keyboard can always leave the editor.
      keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...completionKeymap]),
      autocompletion({ override: [flowCompletion(() => this.file, () => this.names())] }),
      may("editor") ? linter((view) => this.check(view), { delay: 500 }) : [],
      EditorState.readOnly.of(!may("editor")),
      CodeMirror.contentAttributes.of({ "aria-label": `YAML of ${file}`, "aria-describedby": "check-status", tabindex: "0" }),
      CodeMirror.updateListener.of((update) => {
        if (update.docChanged) this.changed();
      }),
    ];
  }

  // The files are read once, however many callers ask at the same time; load() reads them again.
  ready() {
    this.first ??= this.load();
    return this.first;
  }

  async show() {
    await this.ready();
  }

  async load(keepFile = true) {
    const { files, digest } = await api("/api/files");
    this.original = files;
    this.digest = digest;
    this.states = {};
    this.loaded = true;
    const choice = document.getElementById("file-choice");
    choice.replaceChildren(...Object.keys(files).map((name) => el("option", { value: name }, name)));
    const file = keepFile && this.file in files ? this.file : "menu_tree.yaml";
    this.file = null;
    this.display(file);
  }

  state(file) {
    if (!this.states[file]) {
      this.states[file] = EditorState.create({ doc: this.original[file] ?? "", extensions: this.extensions(file) });
    }
    return this.states[file];
  }

  async open(file, line) {
    await this.ready();
    this.display(file, line);
  }

  display(file, line) {
    if (!(file in this.original)) return;
    if (this.view && this.file) this.states[this.file] = this.view.state;
    this.file = file;
    document.getElementById("file-choice").value = file;
    if (!this.view) {
      this.view = new CodeMirror({ state: this.state(file), parent: document.getElementById("editor") });
    } else {
      this.view.setState(this.state(file));
    }
    if (line) {
      const target = this.view.state.doc.line(Math.min(line, this.view.state.doc.lines));
      this.view.dispatch({ selection: { anchor: target.from }, scrollIntoView: true });
      this.view.focus();
    }
    this.changed();
    if (may("editor")) forceLinting(this.view);
  }

  drafts() {
    if (this.view && this.file) this.states[this.file] = this.view.state;
    const drafts = {};
    for (const [file, state] of Object.entries(this.states)) {
      const text = state.doc.toString();
      if (text !== this.original[file]) drafts[file] = text;
    }
    return drafts;
  }

  changed() {
    const changed = Object.keys(this.drafts());
    document.getElementById("changed-files").textContent = changed.length ? `Changed: ${changed.join(", ")}` : "No changes.";
    document.getElementById("discard").disabled = !changed.length;
    this.updatePublish();
  }

  updatePublish() {
    const button = document.getElementById("publish");
    const changed = Object.keys(this.drafts()).length > 0;
    button.disabled = !(may("publisher") && changed && this.lastCheck?.valid);
    const note = document.getElementById("publish-note");
    if (!may("publisher")) note.textContent = "Publishing needs the publisher role.";
  }

  async check(view) {
    const drafts = this.drafts();
    drafts[this.file] = view.state.doc.toString();
    const status = document.getElementById("check-status");
    status.textContent = "Checking…";
    let result;
    try {
      result = await api("/api/validate", { method: "POST", body: { files: drafts } });
    } catch (error) {
      status.textContent = `The draft could not be checked: ${error.message}`;
      return [];
    }
    this.lastCheck = result;
    this.showProblems(result.problems);
    status.textContent = result.valid ? "No problems: callers could use this flow." : `${result.problems.length} problem(s): the flow would not be used.`;
    this.updatePublish();
    const doc = view.state.doc;
    return result.problems
      .filter((p) => p.file === this.file)
      .map((p) => {
        const line = doc.line(Math.min(Math.max(p.line ?? 1, 1), doc.lines));
        const from = Math.min(line.from + Math.max((p.column ?? 1) - 1, 0), line.to);
        const word = /^[\w.-]+/.exec(doc.sliceString(from, line.to));
        return { from, to: Math.max(from + (word ? word[0].length : 0), from), severity: "error", message: p.message };
      });
  }

  showProblems(problems) {
    const list = document.getElementById("problems");
    list.replaceChildren(
      ...problems.map((p) =>
        el(
          "li",
          {},
          p.file && p.line
            ? el("button", { type: "button", class: "link", onclick: () => this.open(p.file, p.line) }, `${p.file}:${p.line}:${p.column ?? 1}`)
            : p.file ?? "",
          ` ${p.message}`,
        ),
      ),
    );
  }

  async publish() {
    const drafts = this.drafts();
    const button = document.getElementById("publish");
    button.disabled = true;
    const note = document.getElementById("publish-note");
    try {
      const done = await api("/api/publish", { method: "POST", body: { files: drafts, digest: this.digest } });
      note.textContent = `Published as #${done.publication}: version ${done.version} goes live within a few seconds.`;
      say(note.textContent);
      await this.load();
      await this.flow.load();
      this.onPublished?.();
    } catch (error) {
      note.textContent = `Not published: ${error.message}`;
      if (error.body?.problems) this.showProblems(error.body.problems);
      this.updatePublish();
    }
  }

  discard() {
    this.states = {};
    const file = this.file;
    this.file = null;
    this.display(file);
    say("Changes discarded.");
  }
}
