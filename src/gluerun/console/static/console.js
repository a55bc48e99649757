// gluerun console: a single-page app over the Glue and CloudWatch Logs operations.
// Every call goes to /console/api/<target> and reaches the same dispatcher as the JSON API.
// Data is only ever put into the page as text (textContent / attributes), never as HTML.
"use strict";

const FINAL = new Set(["SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR"]);
const ACTIVE = new Set(["STARTING", "RUNNING", "STOPPING", "WAITING"]);
const RUNS_PAGE = 50;
const RECENT_RUNS = 20;

class ApiError extends Error {
  constructor(code, message, status) {
    super(message || code || `HTTP ${status}`);
    this.code = code;
    this.status = status;
  }
}

// Open: the server has no credentials file. Token: this session's CSRF token ("1" when open).
let session = { Open: true, SignedIn: false, Token: "1" };

async function post(path, body, token = session.Token) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-Gluerun-Console": token, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (/MissingAuthentication/.test(data.__type || "")) signInPage();
    throw new ApiError(data.__type, data.Message, response.status);
  }
  return data;
}

const call = (target, body = {}) => post(`/console/api/${target}`, body);

// Which of these calls the signed-in key's policy allows (the page hides the others).
async function can(calls) {
  if (session.Open) return calls.map(() => true);
  return (await post("/console/can", { Calls: calls })).Allowed;
}
const glue = (operation, body) => call(`AWSGlue.${operation}`, body);

async function allPages(operation, body, key) {
  const items = [];
  let token;
  do {
    const page = await glue(operation, token ? { ...body, NextToken: token } : body);
    items.push(...(page[key] || []));
    token = page.NextToken;
  } while (token);
  return items;
}

// -- DOM helpers ---------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttrs(el, attrs);
  for (const child of children.flat(Infinity)) if (child) el.append(child);
  return el;
}

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

function mount(parent, ...children) {
  parent.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
}

const link = (href, text) => h("a", { href }, text);
const enc = encodeURIComponent;
const jobHref = (job) => `#/jobs/${enc(job)}`;
const runHref = (job, run) => `#/jobs/${enc(job)}/runs/${enc(run)}`;
const stateBadge = (state) => h("span", { class: `state state-${state}` }, state || "—");

function when(epoch) {
  if (!epoch) return "—";
  const date = new Date(epoch * 1000);
  return h("time", { datetime: date.toISOString(), title: date.toISOString() }, ago(date));
}

function ago(date) {
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  if (seconds < 0) return `in ${duration(-seconds)}`;
  if (seconds < 5) return "just now";
  return `${duration(seconds)} ago`;
}

function duration(seconds) {
  if (seconds === undefined || seconds === null) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d`;
}

function runSeconds(run) {
  if (run.ExecutionTime) return run.ExecutionTime;
  if (!run.StartedOn) return 0;
  const end = run.CompletedOn || Date.now() / 1000;
  return Math.max(0, end - run.StartedOn);
}

function fields(pairs) {
  return h("dl", { class: "grid" },
    pairs.filter(([, value]) => value !== undefined && value !== null && value !== "")
      .map(([name, value]) => h("div", {}, h("dt", {}, name), h("dd", {}, value))));
}

// rows: row elements, or one <tbody> the caller keeps filling
function table(headers, rows, caption) {
  const body = rows instanceof HTMLTableSectionElement ? rows : h("tbody", {}, rows);
  return h("div", { class: "scroll" }, h("table", {},
    caption ? h("caption", { class: "muted" }, caption) : null,
    h("thead", {}, h("tr", {}, headers.map((name) => h("th", { scope: "col" }, name)))),
    body));
}

function notify(message, ok = false) {
  const notice = document.getElementById("notice");
  notice.className = ok ? "ok" : "";
  notice.textContent = message || "";
}

function failed(error) {
  notify(`${error.code ? error.code + ": " : ""}${error.message}`);
}

async function act(button, work) {
  button.disabled = true;
  try {
    await work();
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

// -- charts ----------------------------------------------------------------------------

const STATE_COLOURS = {
  SUCCEEDED: "#1e7d32", FAILED: "#b3261e", ERROR: "#b3261e", TIMEOUT: "#b3261e",
  STOPPED: "#8a5a00", STOPPING: "#8a5a00", WAITING: "#8a5a00", RUNNING: "#0b5cad", STARTING: "#0b5cad",
};

function sparkline(runs) {
  const values = runs.map(runSeconds);
  const top = Math.max(1, ...values);
  const width = 100, height = 20, step = values.length > 1 ? width / (values.length - 1) : 0;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / top) * (height - 2) - 1).toFixed(1)}`);
  return s("svg", { class: "spark", viewBox: `0 0 ${width} ${height}`, width: 100, height: 20, role: "img",
    "aria-label": `durations of the last ${values.length} runs, longest ${duration(top)}` },
    values.length > 1 ? s("polyline", { points: points.join(" "), fill: "none", stroke: "#0b5cad", "stroke-width": 1.5 }) : null,
    ...runs.map((run, i) => s("circle", { cx: (i * step).toFixed(1), cy: points[i].split(",")[1], r: 1.6,
      fill: STATE_COLOURS[run.JobRunState] || "#5b6570" })));
}

function durationChart(runs) {
  const ordered = [...runs].reverse();
  const values = ordered.map(runSeconds);
  const top = Math.max(1, ...values);
  const width = 600, height = 140, gap = 2;
  const bar = Math.min(24, Math.max(2, (width - gap * ordered.length) / Math.max(1, ordered.length)));
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${height + 16}`, role: "img", preserveAspectRatio: "xMinYMid meet",
    "aria-label": `run durations and states, oldest to newest; longest ${duration(top)}` });
  ordered.forEach((run, i) => {
    const barHeight = Math.max(1, (values[i] / top) * height);
    const rect = s("rect", { x: i * (bar + gap), y: height - barHeight, width: bar, height: barHeight,
      fill: STATE_COLOURS[run.JobRunState] || "#5b6570" });
    const title = s("title");
    title.textContent = `${run.Id}: ${run.JobRunState}, ${duration(values[i])}`;
    rect.append(title);
    svg.append(rect);
  });
  const label = s("text", { x: 0, y: height + 13, "font-size": 11, fill: "#5b6570" });
  label.textContent = `longest ${duration(top)} · ${ordered.length} runs, oldest left`;
  svg.append(label);
  return svg;
}

// -- pages -----------------------------------------------------------------------------

async function jobsPage(main) {
  const name = h("input", { id: "f-name", type: "search", placeholder: "part of a name" });
  const tag = h("input", { id: "f-tag", type: "search", placeholder: "key=value" });
  const state = h("select", { id: "f-state" }, h("option", { value: "" }, "any"),
    [...FINAL, ...ACTIVE].map((st) => h("option", { value: st }, st)));
  const body = h("tbody");
  const count = h("p", { class: "muted", id: "job-count" });
  mount(main, 
    h("h1", {}, "Jobs"),
    h("form", { class: "filters", role: "search", onsubmit: (e) => { e.preventDefault(); load(); } },
      h("label", { for: "f-name" }, "Name", name), h("label", { for: "f-tag" }, "Tag", tag),
      h("label", { for: "f-state" }, "Last run", state), h("button", { type: "submit" }, "Filter")),
    count,
    h("div", { class: "scroll" }, h("table", { id: "jobs" },
      h("thead", {}, h("tr", {}, ["Job", "Kind", "Last run", "When", "Success", "Recent durations"]
        .map((t, i) => h("th", { scope: "col", class: i === 5 ? "hide-narrow" : null }, t)))),
      body)));
  let generation = 0;
  async function load() {
    const mine = ++generation;
    body.replaceChildren();
    const jobs = await findJobs(tag.value.trim());
    const wanted = jobs.filter((job) => job.Name.toLowerCase().includes(name.value.trim().toLowerCase()));
    count.textContent = `${wanted.length} of ${jobs.length} jobs`;
    const rows = new Map(wanted.map((job) => [job.Name, jobRow(job)]));
    body.replaceChildren(...rows.values());
    await limited(wanted, 6, async (job) => {
      const runs = (await glue("GetJobRuns", { JobName: job.Name, MaxResults: RECENT_RUNS })).JobRuns || [];
      if (mine !== generation) return;
      fillJobRow(rows.get(job.Name), runs, state.value);
    });
    if (mine === generation && state.value) {
      const shown = [...rows.values()].filter((row) => !row.hidden).length;
      count.textContent = `${shown} of ${jobs.length} jobs whose last run is ${state.value}`;
    }
  }
  for (const input of [state]) input.addEventListener("change", load);
  await load();
}

async function findJobs(tagFilter) {
  if (!tagFilter) return allPages("GetJobs", { MaxResults: 200 }, "Jobs");
  const [key, ...rest] = tagFilter.split("=");
  const names = await allPagesList({ Tags: { [key]: rest.join("=") } });
  const found = [];
  for (let i = 0; i < names.length; i += 100) {
    found.push(...((await glue("BatchGetJobs", { JobNames: names.slice(i, i + 100) })).Jobs || []));
  }
  return found;
}

async function allPagesList(body) {
  const names = [];
  let token;
  do {
    const page = await glue("ListJobs", token ? { ...body, NextToken: token } : body);
    names.push(...(page.JobNames || []));
    token = page.NextToken;
  } while (token);
  return names;
}

async function limited(items, width, work) {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(width, queue.length) }, async () => {
    while (queue.length) await work(queue.shift()).catch(failed);
  });
  await Promise.all(workers);
}

function jobRow(job) {
  return h("tr", { "data-job": job.Name },
    h("td", {}, link(jobHref(job.Name), job.Name)),
    h("td", {}, (job.Command || {}).Name || "—"),
    h("td", { class: "last" }, "…"), h("td", { class: "when" }), h("td", { class: "rate" }),
    h("td", { class: "spark-cell hide-narrow" }));
}

function fillJobRow(row, runs, wantedState) {
  const last = runs[0];
  row.querySelector(".last").replaceChildren(last ? stateBadge(last.JobRunState) : h("span", { class: "muted" }, "never run"));
  row.querySelector(".when").replaceChildren(last ? when(last.StartedOn) : "");
  const finished = runs.filter((run) => FINAL.has(run.JobRunState));
  const good = finished.filter((run) => run.JobRunState === "SUCCEEDED").length;
  row.querySelector(".rate").textContent = finished.length ? `${Math.round((100 * good) / finished.length)}% of ${finished.length}` : "—";
  row.querySelector(".spark-cell").replaceChildren(runs.length ? sparkline([...runs].reverse()) : "");
  row.hidden = Boolean(wantedState) && (!last || last.JobRunState !== wantedState);
}

async function jobPage(main, jobName) {
  const job = (await glue("GetJob", { JobName: jobName })).Job;
  const [mayStart, mayStop, mayReset] = await can([
    { Target: "AWSGlue.StartJobRun", Body: { JobName: jobName } },
    { Target: "AWSGlue.BatchStopJobRun", Body: { JobName: jobName } },
    { Target: "AWSGlue.ResetJobBookmark", Body: { JobName: jobName } },
  ]);
  const args = h("textarea", { id: "run-args", "aria-describedby": "args-help", spellcheck: "false" }, "{}");
  const startButton = h("button", { type: "submit", id: "start-run" }, "Start run");
  const runsBody = h("tbody", { id: "runs" });
  const chart = h("div", { class: "chart-box" });
  const more = h("button", { class: "secondary", type: "button", id: "older-runs", hidden: true }, "Older runs");
  const bookmark = h("section", { id: "bookmark", "aria-labelledby": "bookmark-h" });
  mount(main, 
    h("p", { class: "crumbs" }, link("#/jobs", "Jobs"), " / "),
    h("h1", {}, job.Name),
    fields(jobFields(job)),
    mayStart ? [h("h2", {}, "Start a run"),
      h("form", { onsubmit: (e) => { e.preventDefault(); act(startButton, () => startRun(job.Name, args.value)); } },
        h("label", { for: "run-args" }, "Arguments (JSON object, e.g. {\"--day\": \"2024-01-01\"})", args),
        h("p", { id: "args-help", class: "muted" }, "Merged over the job's default arguments, as StartJobRun does."),
        startButton)] : null,
    h("h2", {}, "Runs"), chart,
    table(["Run", "Attempt", "State", "Started", "Duration", "Trigger", "Error", ""], runsBody, "Newest first"),
    more,
    bookmark,
    h("h2", {}, "Definition"),
    h("details", {}, h("summary", {}, "Job definition (JSON)"), h("pre", {}, JSON.stringify(job, null, 2))));
  // The pages of runs shown so far. While a run is active the same number of pages is read
  // again every two seconds and swapped in whole, so "Older runs" stays where the user went.
  const runs = [];
  let token;
  let pages = 0;
  let shownStates = "";
  let queue = Promise.resolve();
  const serially = (work) => (queue = queue.then(work, work));
  async function read(count, from) {
    const found = [];
    let next = from;
    for (let i = 0; i < count; i++) {
      const answer = await glue("GetJobRuns", { JobName: jobName, MaxResults: RUNS_PAGE, ...(next ? { NextToken: next } : {}) });
      found.push(...(answer.JobRuns || []));
      next = answer.NextToken;
      if (!next) break;
    }
    return { found, next };
  }
  function show(found, next, count) {
    const seen = new Set();
    runs.splice(0, runs.length, ...found.filter((run) => !seen.has(run.Id) && seen.add(run.Id)));
    token = next;
    pages = count;
    runsBody.replaceChildren(...runs.map((run) => runRow(run, refresh, mayStop)));
    chart.replaceChildren(durationChart(runs));
    more.hidden = !token;
    const states = runs.map((run) => `${run.Id}:${run.JobRunState}`).join();
    if (states !== shownStates) renderBookmark(bookmark, jobName, runs, mayReset);
    shownStates = states;
  }
  const older = () => serially(async () => {
    const { found, next } = await read(1, token);
    show([...runs, ...found], next, pages + 1);
  });
  const refresh = () => serially(async () => {
    const { found, next } = await read(Math.max(1, pages), undefined);
    show(found, next, Math.max(1, pages));
  });
  more.addEventListener("click", () => act(more, older));
  await refresh();
  watch(() => runs.some((run) => ACTIVE.has(run.JobRunState)) && refresh());
}

function jobFields(job) {
  const command = job.Command || {};
  const capacity = job.WorkerType ? `${job.NumberOfWorkers} × ${job.WorkerType}` : job.MaxCapacity;
  return [
    ["Kind", command.Name], ["Script", command.ScriptLocation],
    ["Glue version", job.GlueVersion], ["Python", command.PythonVersion], ["Capacity", capacity],
    ["Max concurrent runs", (job.ExecutionProperty || {}).MaxConcurrentRuns],
    ["Max retries", job.MaxRetries], ["Timeout", job.Timeout ? `${job.Timeout} min` : undefined],
    ["Description", job.Description], ["Modified", when(job.LastModifiedOn)],
  ];
}

async function startRun(jobName, text) {
  let args;
  try {
    args = JSON.parse(text || "{}");
  } catch (error) {
    throw new ApiError("InvalidInput", `Arguments are not JSON: ${error.message}`);
  }
  if (typeof args !== "object" || Array.isArray(args) || args === null) {
    throw new ApiError("InvalidInput", "Arguments must be a JSON object of strings");
  }
  const started = await glue("StartJobRun", { JobName: jobName, Arguments: args });
  notify(`Started ${started.JobRunId}`, true);
  location.hash = runHref(jobName, started.JobRunId);
}

function runRow(run, refresh, mayStop) {
  const stop = mayStop && ACTIVE.has(run.JobRunState) && run.JobRunState !== "STOPPING"
    ? h("button", { class: "danger", type: "button", "data-stop": run.Id }, "Stop") : "";
  if (stop) stop.addEventListener("click", () => act(stop, async () => { await stopRun(run); await refresh(); }));
  return h("tr", { "data-run": run.Id },
    h("td", {}, link(runHref(run.JobName, run.Id), run.Id)),
    h("td", {}, run.Attempt || 0), h("td", {}, stateBadge(run.JobRunState)),
    h("td", {}, when(run.StartedOn)), h("td", {}, duration(runSeconds(run))),
    h("td", {}, run.TriggerName || ""), h("td", {}, (run.ErrorMessage || "").slice(0, 120)), h("td", {}, stop));
}

async function stopRun(run) {
  const answer = await glue("BatchStopJobRun", { JobName: run.JobName, JobRunIds: [run.Id] });
  const error = (answer.Errors || [])[0];
  if (error) throw new ApiError(error.ErrorDetail.ErrorCode, error.ErrorDetail.ErrorMessage);
  notify(`Stopping ${run.Id}`, true);
}

async function renderBookmark(section, jobName, runs, mayReset) {
  let entry;
  try {
    entry = (await glue("GetJobBookmark", { JobName: jobName })).JobBookmarkEntry;
  } catch (error) {
    if (error.code !== "EntityNotFoundException") throw error;
  }
  const chosen = section.querySelector("#rewind-run")?.value;
  const target = h("select", { id: "rewind-run" }, runs.filter((run) => run.JobRunState === "SUCCEEDED")
    .map((run) => h("option", { value: run.Id, selected: run.Id === chosen }, run.Id)));
  const reset = h("button", { type: "button", class: "danger", id: "reset-bookmark" }, "Reset bookmark");
  const rewind = h("button", { type: "button", class: "secondary", id: "rewind-bookmark" }, "Rewind to run");
  reset.addEventListener("click", () => act(reset, async () => {
    await glue("ResetJobBookmark", { JobName: jobName });
    notify("Bookmark reset", true);
    await renderBookmark(section, jobName, runs, mayReset);
  }));
  rewind.addEventListener("click", () => act(rewind, async () => {
    await glue("ResetJobBookmark", { JobName: jobName, RunId: target.value });
    notify(`Bookmark rewound to ${target.value}`, true);
    await renderBookmark(section, jobName, runs, mayReset);
  }));
  mount(section, h("h2", { id: "bookmark-h" }, "Bookmark"),
    entry ? fields([["Version", entry.Version], ["Run", entry.Run], ["Attempt", entry.Attempt], ["Run id", entry.RunId]])
      : h("p", { class: "muted", id: "no-bookmark" }, "No bookmark yet (runs with --job-bookmark-option job-bookmark-enable keep one)."),
    entry ? h("details", {}, h("summary", {}, "Entries"), h("pre", { id: "bookmark-json" }, prettyJson(entry.JobBookmark))) : null,
    mayReset ? h("div", { class: "actions" }, reset, runs.some((run) => run.JobRunState === "SUCCEEDED")
      ? [h("label", { for: "rewind-run" }, "Run", target), rewind] : null) : null);
}

function prettyJson(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text || ""; }
}

async function runPage(main, jobName, runId) {
  const run = (await glue("GetJobRun", { JobName: jobName, RunId: runId, PredecessorsIncluded: true })).JobRun;
  const recent = (await glue("GetJobRuns", { JobName: jobName, MaxResults: 200 })).JobRuns || [];
  const later = recent.filter((other) => other.PreviousRunId === run.Id);
  const [mayStop] = await can([{ Target: "AWSGlue.BatchStopJobRun", Body: { JobName: jobName } }]);
  const stop = h("button", { class: "danger", type: "button", id: "stop-run", hidden: !mayStop || !ACTIVE.has(run.JobRunState) || run.JobRunState === "STOPPING" }, "Stop run");
  stop.addEventListener("click", () => act(stop, async () => { await stopRun(run); route(); }));
  const search = h("input", { type: "search", id: "log-search", placeholder: "search the log" });
  const output = h("pre", { class: "log", id: "log-output", tabindex: 0, "aria-label": "standard output" });
  const error = h("pre", { class: "log", id: "log-error", tabindex: 0, "aria-label": "standard error and gluerun's notes" });
  const steps = h("ol", { class: "timeline", "aria-label": "state timeline" }, timeline(run));
  let facts = fields(runFacts(run, later));
  mount(main, 
    h("p", { class: "crumbs" }, link("#/jobs", "Jobs"), " / ", link(jobHref(jobName), jobName), " / "),
    h("h1", {}, run.Id),
    steps,
    h("div", { class: "actions" }, stop),
    facts,
    (run.PredecessorRuns || []).length ? [h("h2", {}, "Predecessor runs"), h("ul", {},
      run.PredecessorRuns.map((p) => h("li", {}, link(runHref(p.JobName, p.RunId), `${p.JobName} / ${p.RunId}`))))] : null,
    h("h2", {}, "Arguments"),
    table(["Name", "Value"], Object.entries(run.Arguments || {}).map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, v)))),
    h("h2", {}, "Logs"),
    h("div", { class: "row" }, h("label", { for: "log-search" }, "Search", search),
      h("span", { class: "muted", id: "log-status" }, ACTIVE.has(run.JobRunState) ? "live" : "")),
    h("div", { class: "logs" },
      h("section", {}, h("h3", {}, "/aws-glue/jobs/output"), output),
      h("section", {}, h("h3", {}, "/aws-glue/jobs/error"), error)));
  const panes = [follow(jobName, runId, "output", output, search), follow(jobName, runId, "error", error, search)];
  search.addEventListener("input", () => panes.forEach((pane) => pane.render()));
  // While the run goes, its state, timeline and Stop button follow it (the logs are live).
  let shown = run;
  watch(async () => {
    if (!ACTIVE.has(shown.JobRunState)) return;
    const fresh = (await glue("GetJobRun", { JobName: jobName, RunId: runId })).JobRun;
    if (fresh.JobRunState === shown.JobRunState) return;
    shown = fresh;
    steps.replaceChildren(...timeline(shown));
    const updated = fields(runFacts(shown, later));
    facts.replaceWith(updated);
    facts = updated;
    stop.hidden = !mayStop || !ACTIVE.has(shown.JobRunState) || shown.JobRunState === "STOPPING";
  });
  let ends = 0;
  panes.forEach((pane) => pane.ended.then(() => {
    if (++ends === panes.length) {
      document.getElementById("log-status").textContent = "";
      if (ACTIVE.has(run.JobRunState)) route();
    }
  }));
}

function runFacts(run, later) {
  const jobName = run.JobName;
  return [
    ["State", stateBadge(run.JobRunState)], ["Attempt", run.Attempt || 0],
    ["Started", when(run.StartedOn)], ["Completed", when(run.CompletedOn)],
    ["Duration", duration(runSeconds(run))], ["Trigger", run.TriggerName],
    ["Previous attempt", run.PreviousRunId ? link(runHref(jobName, run.PreviousRunId), run.PreviousRunId) : undefined],
    ["Next attempt", later.length ? later.map((next) => link(runHref(jobName, next.Id), next.Id)) : undefined],
    ["Capacity", run.WorkerType ? `${run.NumberOfWorkers} × ${run.WorkerType}` : run.MaxCapacity],
    ["Error", run.ErrorMessage],
  ];
}

function timeline(run) {
  const steps = [["STARTING", run.StartedOn]];
  if (run.JobRunState === "WAITING") steps.push(["WAITING"]);
  if (run.JobRunState !== "WAITING" && run.JobRunState !== "STARTING") steps.push(["RUNNING"]);
  if (run.JobRunState === "STOPPING") steps.push(["STOPPING"]);
  if (FINAL.has(run.JobRunState)) steps.push([run.JobRunState, run.CompletedOn]);
  return steps.map(([state, at]) => h("li", {}, stateBadge(state), at ? [" ", when(at)] : ""));
}

function follow(jobName, runId, group, pane, search) {
  const lines = [];
  const source = new EventSource(`/console/api/logs/${enc(runId)}?job=${enc(jobName)}&group=${group}`);
  cleanups.push(() => source.close());
  let finish;
  const ended = new Promise((resolve) => { finish = resolve; });
  const render = () => {
    const term = search.value.trim().toLowerCase();
    const shown = term ? lines.filter((line) => line.toLowerCase().includes(term)) : lines;
    pane.replaceChildren(...shown.map((line) => highlighted(line, term)));
    pane.scrollTop = pane.scrollHeight;
  };
  source.onmessage = (event) => {
    for (const item of JSON.parse(event.data)) lines.push(item.m);
    render();
  };
  source.addEventListener("end", () => { source.close(); finish(); });
  source.onerror = () => { source.close(); finish(); };
  return { render, ended };
}

function highlighted(line, term) {
  const row = document.createDocumentFragment();
  if (!term) { row.append(line, "\n"); return row; }
  const lower = line.toLowerCase();
  let at = 0;
  for (let hit = lower.indexOf(term); hit >= 0; hit = lower.indexOf(term, at)) {
    row.append(line.slice(at, hit), h("mark", {}, line.slice(hit, hit + term.length)));
    at = hit + term.length;
  }
  row.append(line.slice(at), "\n");
  return row;
}

async function triggersPage(main) {
  const triggers = await allPages("GetTriggers", { MaxResults: 200 }, "Triggers");
  const rows = await Promise.all(triggers.map(async (trigger) => {
    const next = trigger.Type === "SCHEDULED" ? (await fireTimes(trigger.Schedule, 1))[0] : undefined;
    return h("tr", { "data-trigger": trigger.Name },
      h("td", {}, link(`#/triggers/${enc(trigger.Name)}`, trigger.Name)), h("td", {}, trigger.Type),
      h("td", {}, trigger.State), h("td", {}, trigger.Schedule || ""), h("td", {}, next ? when(next) : ""),
      h("td", {}, watchedJobs(trigger).join(", ")), h("td", {}, (trigger.Actions || []).map((a) => a.JobName).join(", ")));
  }));
  mount(main, h("h1", {}, "Triggers"),
    table(["Trigger", "Type", "State", "Schedule", "Next fire", "Watches", "Starts"], rows));
}

const watchedJobs = (trigger) => ((trigger.Predicate || {}).Conditions || []).map((c) => c.JobName).filter(Boolean);

async function fireTimes(schedule, count) {
  const response = await fetch(`/console/api/next-fire-times?schedule=${enc(schedule || "")}&count=${count}`,
    { credentials: "same-origin" });
  const data = await response.json().catch(() => ({}));
  return response.ok ? data.FireTimes || [] : [];
}

async function triggerPage(main, name) {
  const trigger = (await glue("GetTrigger", { Name: name })).Trigger;
  const active = trigger.State === "ACTIVATED";
  const toggleTarget = active && trigger.Type !== "ON_DEMAND" ? "StopTrigger" : "StartTrigger";
  const [mayToggle] = await can([{ Target: `AWSGlue.${toggleTarget}`, Body: { Name: name } }]);
  const toggle = h("button", { type: "button", id: "toggle-trigger", class: active ? "danger" : "" },
    trigger.Type === "ON_DEMAND" ? "Fire now" : active ? "Deactivate" : "Activate");
  toggle.addEventListener("click", () => act(toggle, async () => {
    await glue(toggleTarget, { Name: name });
    notify(`${toggle.textContent}: ${name}`, true);
    route();
  }));
  const next = trigger.Type === "SCHEDULED" ? await fireTimes(trigger.Schedule, 5) : [];
  mount(main, 
    h("p", { class: "crumbs" }, link("#/triggers", "Triggers"), " / "),
    h("h1", {}, trigger.Name),
    fields([["Type", trigger.Type], ["State", trigger.State], ["Schedule", trigger.Schedule],
      ["Description", trigger.Description], ["Workflow", trigger.WorkflowName]]),
    mayToggle ? h("div", { class: "actions" }, toggle) : null,
    next.length ? [h("h2", {}, "Next fire times"), h("ol", { id: "fire-times" }, next.map((t) => h("li", {}, new Date(t * 1000).toISOString())))] : null,
    h("h2", {}, "Graph"), triggerGraph(trigger));
}

function triggerGraph(trigger) {
  const conditions = (trigger.Predicate || {}).Conditions || [];
  const actions = trigger.Actions || [];
  const rowHeight = 34, width = 640;
  const height = Math.max(conditions.length, actions.length, 1) * rowHeight + 10;
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${conditions.length} watched jobs lead to ${trigger.Name}, which starts ${actions.length} jobs` });
  const mid = { x: width / 2, y: height / 2 };
  const node = (x, y, text, href, fill) => {
    const g = s("g");
    g.append(s("rect", { x: x - 95, y: y - 13, width: 190, height: 26, rx: 5, fill, stroke: "#5b6570" }));
    const label = s("text", { x, y: y + 4, "text-anchor": "middle", "font-size": 12 });
    label.textContent = text.length > 28 ? `${text.slice(0, 27)}…` : text;
    g.append(label);
    if (!href) return g;
    const a = s("a", { href });
    a.append(g);
    return a;
  };
  conditions.forEach((c, i) => {
    const y = 5 + rowHeight * i + rowHeight / 2;
    svg.append(s("line", { x1: 195, y1: y, x2: mid.x - 70, y2: mid.y, stroke: "#5b6570" }));
    svg.append(node(100, y, `${c.JobName || c.CrawlerName} ${c.State || c.CrawlState || ""}`, c.JobName ? jobHref(c.JobName) : null, "#eef3f8"));
  });
  actions.forEach((a, i) => {
    const y = 5 + rowHeight * i + rowHeight / 2;
    svg.append(s("line", { x1: mid.x + 70, y1: mid.y, x2: width - 195, y2: y, stroke: "#5b6570" }));
    svg.append(node(width - 100, y, a.JobName || a.CrawlerName, a.JobName ? jobHref(a.JobName) : null, "#eef8ef"));
  });
  const logical = (trigger.Predicate || {}).Logical || "";
  svg.append(node(mid.x, mid.y, `${trigger.Type}${logical ? " · " + logical : ""}`, null, "#fff4dd"));
  return svg;
}

async function databasesPage(main) {
  const databases = await allPages("GetDatabases", { MaxResults: 100 }, "DatabaseList");
  mount(main, h("h1", {}, "Data Catalog"),
    table(["Database", "Description", "Location", "Created"], databases.map((db) => h("tr", {},
      h("td", {}, link(`#/catalog/${enc(db.Name)}`, db.Name)), h("td", {}, db.Description || ""),
      h("td", {}, db.LocationUri || ""), h("td", {}, when(db.CreateTime))))));
}

async function databasePage(main, database) {
  const tables = await allPages("GetTables", { DatabaseName: database, MaxResults: 100 }, "TableList");
  mount(main, 
    h("p", { class: "crumbs" }, link("#/catalog", "Data Catalog"), " / "), h("h1", {}, database),
    table(["Table", "Type", "Format", "Location", "Partition keys", "Updated"], tables.map((t) => h("tr", {},
      h("td", {}, link(`#/catalog/${enc(database)}/${enc(t.Name)}`, t.Name)), h("td", {}, t.TableType || ""),
      h("td", {}, (t.Parameters || {}).classification || (t.Parameters || {}).table_type || ""),
      h("td", {}, (t.StorageDescriptor || {}).Location || ""),
      h("td", {}, (t.PartitionKeys || []).map((k) => k.Name).join(", ")), h("td", {}, when(t.UpdateTime))))));
}

async function tablePage(main, database, name) {
  const t = (await glue("GetTable", { DatabaseName: database, Name: name })).Table;
  const expression = h("input", { id: "partition-expression", type: "search", placeholder: "year = '2024' AND month > '06'" });
  const body = h("tbody");
  const keys = t.PartitionKeys || [];
  async function load() {
    const request = { DatabaseName: database, TableName: name, ExcludeColumnSchema: true, MaxResults: 100 };
    if (expression.value.trim()) request.Expression = expression.value.trim();
    const partitions = await allPages("GetPartitions", request, "Partitions");
    body.replaceChildren(...partitions.map((p) => h("tr", {}, (p.Values || []).map((v) => h("td", {}, v)),
      h("td", {}, (p.StorageDescriptor || {}).Location || ""))));
  }
  const columns = ((t.StorageDescriptor || {}).Columns || []).map((c) => h("tr", {}, h("td", {}, c.Name), h("td", {}, c.Type), h("td", {}, c.Comment || "")));
  mount(main, 
    h("p", { class: "crumbs" }, link("#/catalog", "Data Catalog"), " / ", link(`#/catalog/${enc(database)}`, database), " / "),
    h("h1", {}, t.Name),
    fields([["Type", t.TableType], ["Location", (t.StorageDescriptor || {}).Location], ["Version", t.VersionId],
      ["Updated", when(t.UpdateTime)], ["Parameters", Object.entries(t.Parameters || {}).map(([k, v]) => `${k}=${v}`).join(", ")]]),
    h("h2", {}, "Columns"), table(["Name", "Type", "Comment"], columns),
    keys.length ? [h("h2", {}, "Partitions"),
      h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); load().catch(failed); } },
        h("label", { for: "partition-expression" }, "Expression", expression), h("button", { type: "submit" }, "Filter")),
      table([...keys.map((k) => k.Name), "Location"], body)] : null);
  if (keys.length) await load();
}

// -- routing ---------------------------------------------------------------------------

const ROUTES = [
  [/^#\/jobs$/, jobsPage, "jobs"],
  [/^#\/jobs\/([^/]+)$/, jobPage, "jobs"],
  [/^#\/jobs\/([^/]+)\/runs\/([^/]+)$/, runPage, "jobs"],
  [/^#\/triggers$/, triggersPage, "triggers"],
  [/^#\/triggers\/([^/]+)$/, triggerPage, "triggers"],
  [/^#\/catalog$/, databasesPage, "catalog"],
  [/^#\/catalog\/([^/]+)$/, databasePage, "catalog"],
  [/^#\/catalog\/([^/]+)\/([^/]+)$/, tablePage, "catalog"],
];
let cleanups = [];

function watch(check) {
  const timer = setInterval(() => { Promise.resolve(check()).catch(failed); }, 2000);
  cleanups.push(() => clearInterval(timer));
}

async function route() {
  cleanups.forEach((clean) => clean());
  cleanups = [];
  const hash = location.hash || "#/jobs";
  const main = document.getElementById("main");
  for (const [pattern, page, section] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    for (const a of document.querySelectorAll("nav a")) {
      if (a.dataset.section === section) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    // Each visit renders into a view of its own, so a slow earlier page never paints over it.
    const view = h("div", { class: "view" }, h("p", { class: "muted" }, "Loading…"));
    main.replaceChildren(view);
    try {
      await page(view, ...match.slice(1).map(decodeURIComponent));
      if (view.isConnected) document.title = `${view.querySelector("h1")?.textContent || "gluerun"} · gluerun console`;
    } catch (error) {
      mount(view, h("h1", {}, "Not available"), h("p", { id: "page-error" }, `${error.code || "Error"}: ${error.message}`));
    }
    return;
  }
  location.hash = "#/jobs";
}

function signInPage() {
  cleanups.forEach((clean) => clean());
  cleanups = [];
  const key = h("input", { id: "access-key", name: "access-key", autocomplete: "username", required: true, spellcheck: "false" });
  const secret = h("input", { id: "secret-key", name: "secret-key", type: "password", autocomplete: "current-password", required: true });
  const button = h("button", { type: "submit", id: "sign-in" }, "Sign in");
  const view = h("div", { class: "view" },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, "This gluerun server checks every request. Sign in with one of its access keys; what you may do is what the key's policy allows."),
    h("form", { class: "signin", onsubmit: (e) => { e.preventDefault(); act(button, async () => {
      session = await post("/console/session", { AccessKeyId: key.value.trim(), SecretAccessKey: secret.value }, "sign-in");
      secret.value = "";
      notify("");
      showUser();
      route();
    }); } },
      h("label", { for: "access-key" }, "Access key id", key),
      h("label", { for: "secret-key" }, "Secret access key", secret), button));
  document.getElementById("main").replaceChildren(view);
  showUser();
}

function showUser() {
  const slot = document.getElementById("user");
  if (session.Open || !session.SignedIn) { slot.replaceChildren(); return; }
  const out = h("button", { type: "button", class: "secondary", id: "sign-out" }, "Sign out");
  out.addEventListener("click", () => act(out, async () => {
    await fetch("/console/session", { method: "DELETE", credentials: "same-origin", headers: { "X-Gluerun-Console": session.Token } });
    session = { Open: false, SignedIn: false, Token: "" };
    signInPage();
  }));
  slot.replaceChildren(h("span", { id: "who", title: session.Arn }, session.Arn.split(":").pop().replace(/^user\//, "")), out);
}

async function start() {
  session = await (await fetch("/console/session", { credentials: "same-origin" })).json();
  if (!session.Open && !session.SignedIn) { signInPage(); return; }
  showUser();
  route();
}

window.addEventListener("hashchange", () => {
  notify("");
  if (session.Open || session.SignedIn) route();
});
document.addEventListener("DOMContentLoaded", start);
