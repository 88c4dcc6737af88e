// Requests to the console's API: JSON in and out, the session's CSRF token on every change.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
export const role = document.querySelector('meta[name="operator-role"]')?.content ?? "viewer";
const ranks = { viewer: 0, editor: 1, publisher: 2 };
export const may = (needed) => ranks[role] >= ranks[needed];

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `the console answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (response.status === 401) {
    window.location.assign("/sign-in");
    throw new ApiError(401, { error: "signed out" });
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function apiText(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, { error: await response.text() });
  return response.text();
}

const statusLine = () => document.getElementById("status");
export function say(message) {
  statusLine().textContent = message;
}

// Small DOM helper: el("li", { class: "x", onclick }, "text", child)
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
