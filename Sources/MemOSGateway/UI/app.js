// The memory browser: plain JavaScript over the public /v1 API. The API key stays in this tab's session storage.
"use strict";

const $ = (id) => document.getElementById(id);
let pageToken = "";
let current = null;

async function api(method, path, body) {
  const key = sessionStorage.getItem("memos-key");
  const response = await fetch(path, {
    method,
    headers: { "Authorization": "Bearer " + key, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error((json.error && json.error.message) || response.statusText);
  return json;
}

function show(error) { $("error").textContent = error ? String(error.message || error) : ""; }

function item(memory, score, explanation) {
  const li = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  const line = (score === undefined ? "" : score.toFixed(3) + "  ") + (memory.memory_type || "") + "  ";
  const head = document.createElement("span");
  head.className = "score";
  head.textContent = line;
  const text = document.createElement("span");
  text.textContent = memory.content;
  button.append(head, text);
  button.addEventListener("click", () => open(memory));
  li.append(button);
  if (explanation) li.append(explain(explanation));
  return li;
}

// Why a hit scored as it did: its cosine, the share of the query's words it holds and which, and the thresholds.
function explain(e) {
  const line = document.createElement("p");
  line.className = "why";
  const words = (e.matched_terms || []).join(", ") || "none";
  line.textContent = "cosine " + (e.vector_similarity || 0).toFixed(2) + " · keyword coverage " +
    (e.keyword_coverage || 0).toFixed(2) + " (" + words + ") · score " + (e.score || 0).toFixed(3) +
    " ≥ " + (e.threshold || 0) + (e.rerank_score === undefined ? "" : " · reranker " + e.rerank_score.toFixed(2));
  return line;
}

async function cubes() {
  const answer = await api("GET", "/v1/cubes");
  const select = $("cube");
  select.replaceChildren(...answer.cubes.map((cube) => {
    const option = document.createElement("option");
    option.value = cube.cube_id;
    option.textContent = cube.name + " (" + cube.role + ")";
    return option;
  }));
  await jobs();
}

async function jobs() {
  const cube = $("cube").value;
  if (!cube) return;
  const status = await api("GET", "/v1/jobs/status?cube_id=" + encodeURIComponent(cube));
  $("jobs").textContent = "Jobs: " + (status.waiting || 0) + " waiting, " + (status.in_progress || 0) +
    " running, " + (status.dead || 0) + " dead";
}

async function list(more) {
  const cube = encodeURIComponent($("cube").value);
  if (!more) { pageToken = ""; $("results").replaceChildren(); }
  const query = "?page_size=50&statuses=" + $("status").value + (pageToken ? "&page_token=" + pageToken : "");
  const answer = await api("GET", "/v1/cubes/" + cube + "/memories" + query);
  $("results").append(...(answer.memories || []).map((memory) => item(memory)));
  pageToken = answer.next_page_token || "";
  $("more").hidden = !pageToken;
}

async function search() {
  const body = { cube_ids: [$("cube").value], query: $("query").value, explain: true };
  if ($("relativity").value !== "") body.relativity = Number($("relativity").value);
  const answer = await api("POST", "/v1/search", body);
  $("more").hidden = true;
  const hits = answer.hits || [];
  $("results").replaceChildren(...hits.map((hit) => item(hit.memory, hit.score || 0, hit.explanation || {})));
  if (hits.length === 0) $("results").textContent = "Nothing relevant.";
}

async function open(memory) {
  current = memory;
  $("detail").hidden = false;
  $("memory").textContent = JSON.stringify(memory, null, 2);
  const cube = encodeURIComponent(memory.cube_id);
  const answer = await api("GET", "/v1/cubes/" + cube + "/memories/" + memory.id + "/history");
  $("history").replaceChildren(...(answer.entries || []).map((entry) => {
    const li = document.createElement("li");
    const after = entry.after ? entry.after.content : "";
    li.textContent = (entry.created_at || "") + "  " + (entry.action || "") + "  " + (after || entry.reason || "");
    return li;
  }));
  $("detail-title").focus();
}

async function remove() {
  if (!current) return;
  await api("POST", "/v1/memories/delete", { cube_id: current.cube_id, ids: { ids: [current.id] } });
  await list(false);
}

async function restore() {
  if (!current) return;
  await api("POST", "/v1/memories/restore", { cube_id: current.cube_id, memory_ids: [current.id] });
  await list(false);
}

function guard(action) {
  return async (event) => {
    if (event) event.preventDefault();
    show();
    try { await action(); } catch (error) { show(error); }
  };
}

function signedIn(on) { $("app").hidden = !on; $("signout").hidden = !on; }

document.addEventListener("DOMContentLoaded", () => {
  $("detail-title").tabIndex = -1;
  $("signin").addEventListener("submit", guard(async () => {
    sessionStorage.setItem("memos-key", $("key").value.trim());
    $("key").value = "";
    await cubes();
    signedIn(true);
    await list(false);
  }));
  $("signout").addEventListener("click", () => { sessionStorage.removeItem("memos-key"); signedIn(false); });
  $("cube").addEventListener("change", guard(async () => { await jobs(); await list(false); }));
  $("filters").addEventListener("submit", guard(() => list(false)));
  $("more").addEventListener("click", guard(() => list(true)));
  $("search").addEventListener("submit", guard(search));
  $("delete").addEventListener("click", guard(remove));
  $("restore").addEventListener("click", guard(restore));
  if (sessionStorage.getItem("memos-key")) guard(async () => { await cubes(); signedIn(true); await list(false); })();
});
