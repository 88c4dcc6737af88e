// The console page: one section shown at a time, chosen by the address's #fragment (links work by keyboard).
import { FlowView } from "./flow.js";
import { EditorView as FlowEditor } from "./editor.js";
import { Phone } from "./phone.js";
import { Scripts } from "./scripts.js";
import { Funnel } from "./funnel.js";
import { History } from "./history.js";

const sections = ["flow", "edit", "phone", "scripts", "funnel", "history"];
const flow = new FlowView();
const editor = new FlowEditor(flow);
const phone = new Phone(flow);
const scripts = new Scripts();
const funnel = new Funnel();
const history = new History(flow, editor);
const onShow = { edit: () => editor.show(), phone: () => phone.show(), funnel: () => funnel.show(), history: () => history.show() };
flow.onEdit = (file, line) => {
  window.location.hash = "#edit";
  editor.open(file, line);
};
editor.onPublished = () => history.refresh();

function show() {
  const wanted = window.location.hash.slice(1);
  const current = sections.includes(wanted) ? wanted : "flow";
  for (const name of sections) {
    document.getElementById(name).hidden = name !== current;
    const link = document.querySelector(`nav a[data-section="${name}"]`);
    if (name === current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  onShow[current]?.();
  return current;
}

window.addEventListener("hashchange", () => {
  const current = show();
  const focused = document.activeElement;
  // A link to a section moves the focus to its heading; a button that opened a place keeps it there.
  if (!focused || focused === document.body || focused.closest("nav")) document.getElementById(`${current}-title`).focus();
});
for (const name of sections) document.getElementById(`${name}-title`).setAttribute("tabindex", "-1");
flow.load().then(show);
