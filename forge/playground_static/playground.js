// The playground's page: compose a request or pick a case, ask the playground's own
// API (forge/playground.py) to send it, and show each app's answer in a column.
// The server does the sending, the runner's verdicts and the differences; this only
// draws them. Every value that came from an app is set as text, never as HTML.
"use strict";

const state = { setup: null, pending: null };

function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) {
      element.setAttribute(name, value === true ? "" : value);
    }
  }
  element.append(...children.filter((child) => child !== null));
  return element;
}

function $(id) {
  return document.getElementById(id);
}

async function api(path, payload) {
  const response = await fetch(path, {
    method: payload === undefined ? "GET" : "POST",
    headers: payload === undefined ? {} : { "Content-Type": "application/json" },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  return { status: response.status, body: await response.json() };
}

// Set-up: the apps to compare and the cases to pick from.

async function load() {
  const { body } = await api("/api/setup");
  state.setup = body;
  for (const app of body.apps) {
    const where = app.served ? "" : " (elsewhere)";
    $("apps").append(
      el("label", { class: "app" },
        el("input", { type: "checkbox", name: "app", value: app.name, checked: true }),
        el("span", { class: "app-name" }, app.name),
        el("span", { class: "url" }, app.url + where)));
  }
  fillCases("");
}

function fillCases(filter) {
  const select = $("case");
  const wanted = filter.trim().toLowerCase();
  select.replaceChildren();
  const groups = new Map();
  for (const item of state.setup.cases) {
    const text = [item.id, item.title, ...item.rules].join(" ").toLowerCase();
    if (wanted && !text.includes(wanted)) continue;
    if (!groups.has(item.source)) {
      groups.set(item.source, el("optgroup", { label: item.source }));
      select.append(groups.get(item.source));
    }
    groups.get(item.source).append(
      el("option", { value: item.id }, `${item.id}  (${item.rules.join(", ")})`));
  }
  if (select.selectedIndex < 0 && select.options.length) select.selectedIndex = 0;
  describeCase();
}

function describeCase() {
  const item = state.setup.cases.find((each) => each.id === $("case").value);
  const info = $("case-info");
  if (!item) {
    info.textContent = "No case picked.";
    return;
  }
  const setup = item.setup_steps ? `, after ${item.setup_steps} set-up request(s)` : "";
  info.textContent = `${item.title}. ${item.request}${setup}; expects ` +
    `${item.expected_status}.`;
}

function chosenApps() {
  return [...document.querySelectorAll("input[name=app]:checked")].map((box) => box.value);
}

// Sending, with the server's question first when the request would change data.

async function submit(path, payload) {
  hideNotice();
  const buttons = [$("send"), $("run-case")];
  buttons.forEach((button) => { button.disabled = true; });
  document.body.classList.add("busy");
  try {
    const { status, body } = await api(path, payload);
    if (status === 428) {
      state.pending = { path, payload: { ...payload, confirmed: true } };
      $("confirm").textContent = path === "/api/case" ? "Yes, run it" : "Yes, send it";
      showNotice(body.detail, true);
    } else if (status !== 200) {
      showNotice(`${body.title}: ${body.detail}`, false);
    } else {
      showResult(body);
    }
  } catch (error) {
    showNotice(`The playground does not answer: ${error}`, false);
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
    document.body.classList.remove("busy");
  }
}

function showNotice(text, asking) {
  $("notice-text").textContent = text;
  $("notice").className = asking ? "notice asking" : "notice problem";
  $("notice-buttons").hidden = !asking;
  $("notice").hidden = false;
}

function hideNotice() {
  $("notice").hidden = true;
}

// The result: what differs, then one column per app.

function showResult(result) {
  const picked = result.case;
  $("result-title").textContent = picked ? `Case ${picked.id}` : "Answers";
  $("case-title").hidden = !picked;
  if (picked) {
    const passed = result.columns.filter((column) => column.verdict.passed);
    const judged = passed.length === result.columns.length
      ? "every implementation passes"
      : `${passed.length} of ${result.columns.length} pass`;
    $("case-title").textContent =
      `${picked.title} (${picked.rules.join(", ")}, in ${picked.source}); the contract ` +
      `expects ${picked.expected.status}: ${judged}.`;
  }
  const arrived = result.columns.filter((column) => !column.error).length;
  const differing = result.differences.filter((difference) => !difference.varies);
  const varying = result.differences.length - differing.length;
  let verdict = `All ${arrived} answers agree`;
  if (arrived < 2) verdict = "Fewer than two answers: nothing to compare";
  else if (differing.length) verdict = `${count(differing.length, "difference")} between the answers`;
  if (varying) {
    verdict += `, and ${count(varying, "value")} that differ${varying === 1 ? "s" : ""}` +
      " by nature (a Date, a timestamp)";
  }
  $("summary").replaceChildren(
    el("p", { class: differing.length ? "headline bad" : "headline good" }, `${verdict}.`),
    result.differences.length ? differencesTable(result) : null);
  $("columns").replaceChildren(
    ...result.columns.map((column, index) => columnOf(column, index, result)));
  $("columns").style.setProperty("--count", String(result.columns.length));
  $("result").hidden = false;
}

function count(number, noun) {
  return `${number} ${noun}${number === 1 ? "" : "s"}`;
}

function differencesTable(result) {
  const table = el("table", { class: "differences" },
    el("thead", {}, el("tr", {}, el("th", {}, "where"),
      ...result.columns.map((column) => el("th", {}, column.name)))));
  const body = el("tbody");
  for (const difference of result.differences) {
    body.append(el("tr", { class: difference.varies ? "varies" : null },
      el("td", { class: "where" }, difference.where),
      ...difference.values.map((value, index) =>
        el("td", { class: mark(result, difference.where, index) },
          value === null ? "absent" : value))));
  }
  table.append(body);
  return table;
}

// How column ``index`` differs at ``where``: "odd" where most columns agree on a
// value it does not hold, "split" where no value has a majority, "varies" for a Date
// or a timestamp, "same" where it holds the majority's value; "" where all agree.
function mark(result, where, index) {
  const difference = result.differences.find((each) => each.where === where);
  if (!difference) return "";
  if (difference.varies) return "varies";
  const counts = new Map();
  for (const value of difference.values) counts.set(value, (counts.get(value) || 0) + 1);
  const most = Math.max(...counts.values());
  const leaders = [...counts.values()].filter((count) => count === most).length;
  if (most < 2 || leaders > 1) return "differs split";
  return counts.get(difference.values[index]) === most ? "differs same" : "differs odd";
}

function columnOf(column, index, result) {
  const article = el("article", { class: "column", "data-app": column.name },
    el("h3", {}, column.name, el("span", { class: "url" }, column.url)));
  if (column.verdict) article.append(verdictOf(column.verdict));
  if (column.error) {
    article.append(el("p", { class: "error" }, column.error));
  } else {
    article.append(
      el("p", { class: "status-line" },
        el("span", {},
          el("span", { class: `status ${mark(result, "status", index)}` },
            String(column.status)),
          " ",
          el("span", { class: `reason ${mark(result, "reason", index)}` }, column.reason)),
        el("span", { class: "time" }, `${column.elapsed_ms.toFixed(1)} ms`)),
      headersOf(column, index, result),
      bodyOf(column, index, result));
  }
  article.append(
    el("details", { class: "sent" },
      el("summary", {}, "request sent"),
      el("pre", {}, column.sent),
      column.added.length
        ? el("p", { class: "hint" },
          `Added: ${column.added.map((pair) => pair.join(": ")).join("; ")}.`)
        : null));
  article.append(citationsOf(column));
  return article;
}

function verdictOf(verdict) {
  if (verdict.passed) {
    return el("p", { class: "verdict pass" }, "✓ as the contract expects");
  }
  const box = el("div", { class: "verdict fail" },
    el("p", {}, `✗ ${count(verdict.differences.length, "departure")} from the contract`));
  box.append(el("ul", {}, ...verdict.differences.map((line) => el("li", {}, line))));
  return box;
}

// Every column lists the same header names in the same order (their first
// appearance in any column), so a row reads across; "absent" where one has none.
function headerNames(result) {
  const names = [];
  for (const column of result.columns) {
    for (const [name] of column.headers) {
      if (!names.includes(name.toLowerCase())) names.push(name.toLowerCase());
    }
  }
  return names;
}

function headersOf(column, index, result) {
  const table = el("table", { class: "headers" });
  for (const name of headerNames(result)) {
    const own = column.headers.filter(([written]) => written.toLowerCase() === name);
    const where = mark(result, `header ${name}`, index);
    if (!own.length) {
      table.append(el("tr", { class: `absent ${where}` },
        el("th", {}, name), el("td", {}, "absent")));
    }
    for (const [written, value] of own) {
      table.append(el("tr", { class: where }, el("th", {}, written), el("td", {}, value)));
    }
  }
  return table;
}

function bodyOf(column, index, result) {
  if (!column.lines.length) {
    return el("p", { class: "empty" }, column.body_bytes ? "(a blank body)" : "(no body)");
  }
  const pre = el("pre", { class: "body" });
  for (const line of column.lines) {
    pre.append(el("span", {
      class: `line ${mark(result, `body ${line.path}`, index)}`,
      "data-path": line.path,
    }, line.text + "\n"));
  }
  if (column.truncated) pre.append(el("span", { class: "line" }, "... (cut at 1 MiB)\n"));
  return pre;
}

function citationsOf(column) {
  if (column.citations === null) {
    return el("p", { class: "hint citations" }, "Served elsewhere: no source here.");
  }
  const rules = Object.entries(column.citations);
  if (!rules.length) return el("div", {});
  const list = el("ul", { class: "citations" });
  for (const [rule, cited] of rules) {
    const page = `/source?app=${encodeURIComponent(column.name)}&rule=${rule}`;
    const links = cited.map((each) =>
      el("a", { href: `${page}#${each.file}:${each.line}`, title: each.text, target: "_blank" },
        `${each.file}:${each.line}`));
    const shown = links.length
      ? links.flatMap((link, at) => (at ? [", ", link] : [link]))
      : [el("span", { class: "hint" }, "no comment cites it")];
    list.append(el("li", {}, el("strong", {}, `${rule}: `), ...shown));
  }
  return el("div", { class: "citations" }, el("h4", {}, "Where the rules live"), list);
}

// Wiring.

$("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  submit("/api/send", {
    method: $("method").value,
    path: $("path").value,
    query: $("query").value,
    headers: $("headers").value,
    body: $("body").value,
    apps: chosenApps(),
  });
});
$("case-form").addEventListener("submit", (event) => {
  event.preventDefault();
  submit("/api/case", { case: $("case").value, apps: chosenApps() });
});
$("case-filter").addEventListener("input", (event) => fillCases(event.target.value));
$("case").addEventListener("change", describeCase);
$("confirm").addEventListener("click", () => {
  const pending = state.pending;
  state.pending = null;
  if (pending) submit(pending.path, pending.payload);
});
$("cancel").addEventListener("click", () => {
  state.pending = null;
  hideNotice();
});
load().catch((error) => showNotice(`The playground does not answer: ${error}`, false));
