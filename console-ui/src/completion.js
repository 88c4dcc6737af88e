// Completion for the flow's YAML from the published JSON Schema (docs/menu-schema.json, bundled at build
// time): the fields a place takes, with their descriptions, and the values a field takes: node kinds,
// yes/no, node ids, prompt ids, languages and handlers from the live flow.
import schema from "../../docs/menu-schema.json";

const defs = schema.$defs;
const NODE_FIELDS = new Set(["next", "target", "target_before_sign_in", "on_exhausted", "on_error", "when_closed", "start"]);
const PROMPT_FIELDS = new Set(["prompt", "short_prompt", "help", "no_input", "no_match", "say", "closed", "apology"]);

function resolve(node) {
  let current = node;
  while (current?.$ref) current = defs[current.$ref.split("/").pop()];
  if (current?.anyOf) {
    const real = current.anyOf.filter((option) => option.type !== "null");
    if (real.length === 1) return { ...resolve(real[0]), description: current.description ?? real[0].description };
  }
  return current;
}

function variant(node, kind) {
  if (!node?.oneOf || !node.discriminator) return node;
  const target = node.discriminator.mapping[kind];
  return target ? resolve({ $ref: target }) : null;
}

function properties(node, kind) {
  const resolved = resolve(node);
  if (resolved?.oneOf && resolved.discriminator) {
    const one = variant(resolved, kind);
    if (one) return one.properties ?? {};
    const merged = {};
    for (const option of resolved.oneOf) Object.assign(merged, resolve(option).properties ?? {});
    return merged;
  }
  return resolved?.properties ?? {};
}

function child(node, key, kind) {
  const resolved = variant(resolve(node), kind) ?? resolve(node);
  if (!resolved) return null;
  if (resolved.properties?.[key]) return resolve(resolved.properties[key]);
  if (resolved.patternProperties) return resolve(Object.values(resolved.patternProperties)[0]);
  if (typeof resolved.additionalProperties === "object") return resolve(resolved.additionalProperties);
  return null;
}

function lineInfo(text) {
  const match = /^(\s*)(-\s+)?(?:([A-Za-z_][\w]*)\s*:)?/.exec(text);
  const indent = match[1].length;
  return { indent, dash: Boolean(match[2]), keyIndent: indent + (match[2]?.length ?? 0), key: match[3] ?? null };
}

// The keys (and list items, as "[]") from the file's top down to the place on line ``number``.
function ancestors(doc, number, indent) {
  const path = [];
  let limit = indent;
  for (let n = number - 1; n >= 1 && limit > 0; n--) {
    const text = doc.line(n).text;
    if (!text.trim() || text.trim().startsWith("#")) continue;
    const info = lineInfo(text);
    if (info.dash && info.indent < limit) {
      path.unshift({ key: "[]", line: n, indent: info.indent });
      limit = info.indent;
    } else if (info.key && info.keyIndent < limit) {
      path.unshift({ key: info.key, line: n, indent: info.keyIndent });
      limit = info.keyIndent;
    }
  }
  return path;
}

// The path to a line's place: a list item's own line adds the item ("[]") to its list's path.
function placeOf(doc, line, dash, indent, keyIndent) {
  if (!dash) return ancestors(doc, line.number, keyIndent);
  return [...ancestors(doc, line.number, indent), { key: "[]", line: line.number, indent }];
}

// The keys already written in the mapping that starts below line ``from`` at ``indent``, and its kind.
function siblings(doc, from, indent) {
  const keys = new Set();
  let kind = null;
  const first = lineInfo(doc.line(from).text);
  if (first.dash && first.keyIndent === indent && first.key) keys.add(first.key);
  for (let n = from + 1; n <= doc.lines; n++) {
    const text = doc.line(n).text;
    if (!text.trim() || text.trim().startsWith("#")) continue;
    const info = lineInfo(text);
    if (info.keyIndent < indent || (info.dash && info.indent < indent)) break;
    if (info.keyIndent === indent && info.key) {
      keys.add(info.key);
      if (info.key === "kind") kind = /kind:\s*([a-z]+)/.exec(text)?.[1] ?? null;
    }
  }
  return { keys, kind };
}

function walk(doc, file, path) {
  let node = resolve(defs[file === "menu_tree.yaml" ? "RootFile" : "IncludedFile"]);
  let kind = null;
  for (const step of path) {
    if (!node) return { node: null, kind: null };
    if (step.key === "[]") node = resolve(node.items);
    else node = child(node, step.key, kind);
    kind = node?.discriminator ? siblings(doc, step.line, step.indent + 2).kind : null;
  }
  return { node, kind };
}

function valueOptions(field, schemaNode, flow) {
  const ids = flow() ?? { nodes: [], prompts: [], languages: [], handlers: [] };
  if (field === "kind") return Object.keys(defs).filter((d) => d.endsWith("Node")).map((d) => d.slice(0, -4).toLowerCase());
  if (field === "handler") return ids.handlers;
  if (field === "language" || field === "default_language") return ids.languages;
  if (NODE_FIELDS.has(field)) return ids.nodes;
  if (PROMPT_FIELDS.has(field)) return ids.prompts;
  const resolved = resolve(schemaNode);
  if (resolved?.enum) return resolved.enum;
  if (resolved?.type === "boolean") return ["true", "false"];
  if (resolved?.description?.startsWith("A node name")) return ids.nodes;
  return [];
}

// A CodeMirror completion source; ``file()`` is the file being edited, ``flow()`` the live flow's names.
export function flowCompletion(file, flow) {
  return (context) => {
    const doc = context.state.doc;
    const line = doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const word = context.matchBefore(/[\w]*/);
    const keyMatch = /^(\s*)(-\s+)?([\w]*)$/.exec(before);
    const valueMatch = /^(\s*)(-\s+)?([\w]+):\s+(?:\[(?:[\w]+,\s*)*)?([\w]*)$/.exec(before);
    if (valueMatch) {
      const dash = Boolean(valueMatch[2]);
      const indent = valueMatch[1].length;
      const path = placeOf(doc, line, dash, indent, indent + (valueMatch[2]?.length ?? 0));
      const { node, kind } = walk(doc, file(), path);
      const field = valueMatch[3];
      const outcome = path.at(-1)?.key === "outcomes";
      const values = outcome ? valueOptions("next", null, flow) : valueOptions(field, child(node, field, kind), flow);
      if (!values.length) return null;
      return { from: word.from, options: values.map((v) => ({ label: String(v), type: "constant" })), validFor: /^\w*$/ };
    }
    if (!keyMatch) return null;
    const dash = Boolean(keyMatch[2]);
    const indent = keyMatch[1].length + (keyMatch[2]?.length ?? 0);
    const path = placeOf(doc, line, dash, keyMatch[1].length, indent);
    const list = dash ? path.at(-2) : null;
    if (list && PROMPT_FIELDS.has(list.key)) {
      return { from: word.from, options: valueOptions(list.key, null, flow).map((v) => ({ label: v, type: "constant" })) };
    }
    const parent = path.at(-1);
    if (!context.explicit && !word.text) return null;
    const { node, kind } = walk(doc, file(), path);
    const present = parent ? siblings(doc, parent.line, indent).keys : new Set();
    const fields = Object.entries(properties(node, kind)).filter(([name]) => !present.has(name));
    if (!fields.length) return null;
    return {
      from: word.from,
      options: fields.map(([name, field]) => ({
        label: name,
        apply: `${name}: `,
        type: "property",
        info: resolve(field)?.description ?? field.description ?? undefined,
      })),
      validFor: /^\w*$/,
    };
  };
}
