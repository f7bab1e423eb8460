/* gridgov field app: the offline queue (IndexedDB), one idempotent sync, quick-record forms, conflicts.
 *
 * Every record made on the phone is saved to the queue first, with a client-generated UUID, then
 * uploaded through the sync endpoint whenever there is a network (at once, on the "online" event,
 * on every page load, again after a failed upload while online, or by hand). The server answers per record: created / updated / existing
 * (uploaded before) leave the queue; conflict (an edit of a visit that changed on the server) waits
 * for the worker to choose; rejected waits with its reason.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var CFG = script ? script.dataset : {};
  var DB_NAME = "gridgov-field";
  var QUEUE = "queue";
  var SENT = "sent";
  var SENT_KEEP = 500;
  var KIND_LABELS = { visit: "走访", follow_up: "稳控", matter: "事项", visit_edit: "修改走访", campaign_check: "摸排" };
  var FIELD_LABELS = { mode: "方式", people_met: "见到的人", findings: "走访情况", companions: "其他同行人员" };
  var LOCAL_FIELDS = ["state", "queued_at", "label", "server", "rebase", "detail", "errors", "id", "synced_at", "owner",
    "reference", "holder", "matter_state"];
  var OWNER = CFG.user || "";

  // ------------------------------------------------------------ IndexedDB

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var d = request.result;
          if (!d.objectStoreNames.contains(QUEUE)) d.createObjectStore(QUEUE, { keyPath: "client_uuid" });
          if (!d.objectStoreNames.contains(SENT)) d.createObjectStore(SENT, { keyPath: "client_uuid" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function run(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(store, mode);
        var result = fn(tx.objectStore(store));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function all(store) { return run(store || QUEUE, "readonly", function (s) { return s.getAll(); }); }
  function put(record, store) { return run(store || QUEUE, "readwrite", function (s) { s.put(record); }); }
  function remove(id, store) { return run(store || QUEUE, "readwrite", function (s) { s.delete(id); }); }

  // ------------------------------------------------------------ helpers

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function localNow() {
    var d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  }

  function shortTime(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function param(name) { return new URLSearchParams(location.search).get(name) || ""; }

  // ------------------------------------------------------------ status bar

  function say(text) {
    var msg = document.querySelector("#field-status .msg");
    if (msg) msg.textContent = text || "";
  }

  function refresh() {
    var status = document.getElementById("field-status");
    if (status) {
      var net = status.querySelector(".net");
      status.classList.toggle("offline", !navigator.onLine);
      net.textContent = navigator.onLine ? net.dataset.online : net.dataset.offline;
    }
    var note = document.getElementById("plan-note");
    if (note && !navigator.onLine && !note.querySelector(".stale")) {
      note.appendChild(el("span", { className: "stale", text: " " + note.dataset.offline }));
    }
    return all().then(function (records) {
      var count = document.getElementById("queue-count");
      if (count) {
        count.textContent = String(records.length);
        count.classList.toggle("has", records.length > 0);
      }
      markQueued(records);
      renderQueue(records);
      return records;
    });
  }

  function markQueued(records) {
    var queued = {};
    records.forEach(function (r) {
      if (r.kind === "visit") queued["v" + r.household_id] = true;
      if (r.kind === "campaign_check") queued["c" + r.campaign_id + ":" + r.household_id] = true;
    });
    document.querySelectorAll("article[data-household], article[data-check-household]").forEach(function (item) {
      var key = item.dataset.household ? "v" + item.dataset.household
        : "c" + item.dataset.campaign + ":" + item.dataset.checkHousehold;
      var has = !!queued[key];
      var badge = item.querySelector(".queued");
      if (has && !badge) item.querySelector(".line1").appendChild(el("span", { className: "badge queued", text: "已记录，待上传" }));
      if (!has && badge) badge.remove();
    });
  }

  // ------------------------------------------------------------ the queue and the sync

  function enqueue(kind, data, label) {
    var record = Object.assign({}, data, {
      client_uuid: data.client_uuid || newId(),
      kind: kind,
      label: label || "",
      owner: OWNER,
      state: "pending",
      queued_at: new Date().toISOString(),
    });
    return put(record).then(function () {
      refresh();
      if (navigator.onLine) sync();
      return record;
    });
  }

  function payload(record) {
    var out = {};
    Object.keys(record).forEach(function (k) { if (LOCAL_FIELDS.indexOf(k) < 0) out[k] = record[k]; });
    return out;
  }

  function post(records) {
    return fetch(CFG.sync, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ records: records.map(payload) }),
    });
  }

  function keepSent(record, result) {
    var copy = Object.assign({}, record, { state: result.status, id: result.id, synced_at: new Date().toISOString() });
    if (result.reference) Object.assign(copy, { reference: result.reference, holder: result.holder, matter_state: result.state });
    return put(copy, SENT).then(function () {
      return all(SENT);
    }).then(function (sent) {
      sent.sort(function (a, b) { return a.synced_at < b.synced_at ? 1 : -1; });
      return Promise.all(sent.slice(SENT_KEEP).map(function (r) { return remove(r.client_uuid, SENT); }));
    });
  }

  // An upload that found no network while the phone says it is online (the "online" event comes before the
  // network carries, a weak signal drops the request) is tried again after 1, 2, 4 ... 60 s, one timer at a time;
  // offline, the "online" event takes over.
  var retryTimer = null;
  var retryDelay = 0;
  function retryLater() {
    if (retryTimer || !navigator.onLine) return;
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 1000, 60000);
    retryTimer = setTimeout(function () { retryTimer = null; sync(); }, retryDelay);
  }

  var syncing = null;
  function sync() {
    if (!syncing) {
      syncing = doSync().then(
        function (x) { syncing = null; return x; },
        function (e) { syncing = null; throw e; }
      );
    }
    return syncing;
  }

  function doSync() {
    return all().then(function (records) {
      // A shared phone: records wait for the account that made them (they are uploaded in its name only).
      var pending = records.filter(function (r) { return r.state === "pending" && (r.owner || OWNER) === OWNER; });
      if (!pending.length) return refresh().then(function () { return { results: [] }; });
      say("正在上传 " + pending.length + " 条…");
      return post(pending).then(function (response) {
        if (response.status === 401 || response.status === 403 || response.redirected) {
          say("登录已过期，请重新登录后上传（记录仍保存在本机）");
          return { results: [], error: response.status };
        }
        if (!response.ok) {
          say("上传失败（" + response.status + "），稍后重试；记录仍保存在本机");
          return { results: [], error: response.status };
        }
        retryDelay = 0;
        return response.json().then(function (body) { return settle(pending, body); });
      }, function () {
        say("没有网络，记录已保存在本机，有网络时自动上传");
        retryLater();
        return { results: [], offline: true };
      });
    });
  }

  function settle(pending, body) {
    var byId = {};
    pending.forEach(function (r) { byId[r.client_uuid] = r; });
    var steps = body.results.map(function (result) {
      var record = byId[result.client_uuid];
      if (!record) return Promise.resolve();
      if (result.status === "created" || result.status === "updated" || result.status === "existing") {
        return remove(record.client_uuid).then(function () { return keepSent(record, result); });
      }
      record.state = result.status === "conflict" ? "conflict" : "rejected";
      record.detail = result.detail;
      record.errors = result.errors;
      record.server = result.server || null;
      record.rebase = result.rebase || null;
      return put(record);
    });
    return Promise.all(steps).then(function () {
      var done = body.created + body.updated + body.existing;
      var text = "已上传 " + done + " 条";
      if (body.conflict) text += "，" + body.conflict + " 条冲突待选择";
      if (body.rejected) text += "，" + body.rejected + " 条未接受";
      say(text);
      return refresh();
    }).then(function () {
      window.dispatchEvent(new CustomEvent("gridgov:synced", { detail: body }));
      return body;
    });
  }

  function keepMine(id) {
    return all().then(function (records) {
      var record = records.filter(function (r) { return r.client_uuid === id; })[0];
      if (!record || !record.server) return;
      Object.assign(record, record.rebase || { base_updated_at: record.server.updated_at });
      record.state = "pending";
      record.server = null;
      record.rebase = null;
      record.detail = "";
      return put(record).then(sync);
    });
  }

  function keepServer(id) {
    return remove(id).then(function () { say("已采用服务器上的记录"); return refresh(); });
  }

  // ------------------------------------------------------------ the queue page

  function answerText(answers) {
    return Object.keys(answers || {}).map(function (k) {
      var v = answers[k];
      if (v === true) v = "是";
      if (v === false) v = "否";
      if (Array.isArray(v)) v = v.join("、");
      return k + "：" + v;
    }).join("；");
  }

  function conflictRows(r) {
    if (r.kind === "campaign_check") {
      return [
        ["回答", answerText(r.answers), answerText(r.server.answers)],
        ["备注", r.notes || "", r.server.notes || ""],
        ["摸排人", "本人", r.server.checker_name || ""],
      ];
    }
    return Object.keys(FIELD_LABELS).filter(function (k) {  // only what differs between the two copies
      return k in r && r[k] !== null && r[k] !== undefined && String(r[k]) !== String(r.server[k] || "");
    }).map(function (k) {
      return [FIELD_LABELS[k], String(r[k]), String(r.server[k] || "")];
    });
  }

  function renderQueue(records) {
    var list = document.getElementById("queue-list");
    if (!list) return;
    list.textContent = "";
    if (!records.length) {
      list.appendChild(el("p", { className: "muted", text: list.dataset.empty }));
      return;
    }
    records.sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
    records.forEach(function (r) {
      var state = { pending: "待上传", conflict: "冲突", rejected: "未接受" }[r.state] || r.state;
      if (r.owner && r.owner !== OWNER) state = "其他账号的记录：该账号登录后上传";
      var item = el("article", { className: "item queue-" + r.state, "data-uuid": r.client_uuid }, [
        el("div", { className: "line1" }, [
          el("b", { text: KIND_LABELS[r.kind] || r.kind }), " ", r.label || "",
          " ", el("span", { className: "badge " + (r.state === "pending" ? "warn" : "bad"), text: state }),
        ]),
        el("div", { className: "line2 muted", text: "保存于 " + shortTime(r.queued_at) }),
      ]);
      if (r.detail) item.appendChild(el("p", { className: "detail", text: r.detail }));
      if (r.state === "conflict" && r.server) {
        var table = el("table", { className: "conflict" }, [
          el("thead", {}, [el("tr", {}, [el("th", { text: "" }), el("th", { text: "我的修改" }), el("th", { text: "服务器上的" })])]),
        ]);
        var body = el("tbody");
        conflictRows(r).forEach(function (row) {
          body.appendChild(el("tr", {}, [
            el("th", { text: row[0] }), el("td", { className: "mine", text: row[1] }),
            el("td", { className: "server", text: row[2] }),
          ]));
        });
        table.appendChild(body);
        item.appendChild(table);
        var mine = el("button", { type: "button", className: "keep-mine", text: "保留我的" });
        var theirs = el("button", { type: "button", className: "secondary keep-server", text: "采用服务器的" });
        mine.addEventListener("click", function () { keepMine(r.client_uuid); });
        theirs.addEventListener("click", function () { keepServer(r.client_uuid); });
        item.appendChild(el("p", { className: "actions" }, [mine, theirs]));
      } else if (r.state === "rejected") {
        var drop = el("button", { type: "button", className: "secondary", text: "删除" });
        drop.addEventListener("click", function () { remove(r.client_uuid).then(refresh); });
        item.appendChild(el("p", { className: "actions" }, [drop]));
      }
      list.appendChild(item);
    });
  }

  // ------------------------------------------------------------ grid data (cached by the service worker)

  var dataPromise = null;
  function gridData() {
    if (!dataPromise) {
      dataPromise = fetch(CFG.bootstrap, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok || r.redirected) throw new Error("bootstrap " + r.status);
          return r.json();
        })
        .catch(function (e) { dataPromise = null; throw e; });
    }
    return dataPromise;
  }

  function householdLabel(h) { return h.number + " " + (h.householder || "") + " " + h.address; }

  function setupPicker(fieldset, data) {
    var hidden = fieldset.querySelector("input[type=hidden]");
    var search = fieldset.querySelector("input[type=search]");
    var list = fieldset.querySelector(".picklist");
    var picked = fieldset.querySelector(".picked");
    var byId = {};
    data.households.forEach(function (h) { byId[h.id] = h; });
    function choose(h) {
      hidden.value = h ? String(h.id) : "";
      picked.hidden = !h;
      picked.querySelector("span").textContent = h ? householdLabel(h) : "";
      search.hidden = !!h;
      search.value = "";
      list.textContent = "";
    }
    search.addEventListener("input", function () {
      var q = search.value.trim();
      list.textContent = "";
      if (!q) return;
      data.households.filter(function (h) {
        return h.number.indexOf(q) === 0 || (h.householder || "").indexOf(q) >= 0 || h.address.indexOf(q) >= 0;
      }).slice(0, 15).forEach(function (h) {
        var b = el("button", { type: "button", className: "link", text: householdLabel(h) });
        b.addEventListener("click", function () { choose(h); });
        list.appendChild(el("li", {}, [b]));
      });
    });
    picked.querySelector("[data-clear]").addEventListener("click", function () { choose(null); search.focus(); });
    fieldset.chooseHousehold = choose;
    choose(byId[param("household")] || null);
    return byId;
  }

  function fillSelect(select, options, keep) {
    var first = keep ? select.querySelector("option") : null;
    select.textContent = "";
    if (first) select.appendChild(first);
    options.forEach(function (o) { select.appendChild(el("option", { value: String(o.value), text: o.label })); });
  }

  function setupForm(form, data) {
    var kind = form.dataset.kind;
    var picker = form.querySelector("[data-picker=household]");
    var households = picker ? setupPicker(picker, data) : {};
    form.querySelectorAll("[data-now]").forEach(function (input) { input.value = localNow(); });
    if (kind === "visit" && param("member")) form.elements.vulnerable_member_id.value = param("member");
    if (kind === "matter") {
      var kinds = form.querySelector("[data-kind-select]");
      var categories = form.querySelector("[data-category-select]");
      var fill = function () {
        fillSelect(categories, data.categories.filter(function (c) { return c.kind === kinds.value; })
          .map(function (c) { return { value: c.id, label: c.name }; }));
      };
      kinds.addEventListener("change", fill);
      fill();
      window.addEventListener("gridgov:synced", function (event) {  // once uploaded: the matter's number
        var done = (event.detail.results || []).filter(function (r) { return r.reference; }).pop();
        var msg = form.querySelector(".formmsg");
        if (!done || !msg) return;
        msg.textContent = "已上传，受理编号 " + done.reference + (done.holder ? "，现由" + done.holder + "办理（" + done.state + "）" : "");
        msg.className = "formmsg ok";
      });
    }
    if (kind === "follow_up" && data.follow_up) {
      var persons = form.querySelector("[data-key-person-select]");
      fillSelect(persons, data.follow_up.key_persons.map(function (p) {
        return { value: p.id, label: p.name + "（" + p.category + "，期限 " + p.next_follow_up_due.slice(5) + "）" };
      }), true);
      if (param("key_person")) persons.value = param("key_person");
    }
    if (kind === "visit_edit") setupEdit(form, data);
    if (kind === "campaign_check") setupCheck(form, data);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(form, kind, data, households, event.submitter);
    });
  }

  function setupEdit(form, data) {
    var list = document.getElementById("recent-visits");
    list.textContent = "";
    if (!data.recent_visits.length) list.appendChild(el("li", { className: "muted", text: list.dataset.empty }));
    data.recent_visits.forEach(function (v) {
      var b = el("button", { type: "button", className: "link", text: shortTime(v.visited_at) + " " + v.household });
      b.addEventListener("click", function () {
        form.hidden = false;
        form.elements.visit_id.value = v.id;
        form.elements.base_updated_at.value = v.updated_at;
        form.elements.mode.value = v.mode;
        form.elements.people_met.value = v.people_met;
        form.elements.findings.value = v.findings;
        form.querySelector(".picked-visit").textContent = shortTime(v.visited_at) + " " + v.household;
        form.dataset.label = v.household;
        form.elements.findings.focus();
      });
      list.appendChild(el("li", { "data-visit": v.id }, [b]));
    });
  }

  function questionInput(q) {
    var name = "answer:" + q.key;
    var required = q.required ? { "data-required": "请回答：" + q.text } : {};
    if (q.kind === "yes_no" || q.kind === "single") {
      var options = q.kind === "yes_no" ? [["yes", "是"], ["no", "否"]] : q.options.map(function (o) { return [o, o]; });
      var select = el("select", Object.assign({ name: name }, required), [el("option", { value: "", text: "—" })]);
      options.forEach(function (o) { select.appendChild(el("option", { value: o[0], text: o[1] })); });
      return select;
    }
    if (q.kind === "multi") {
      return el("span", { className: "checks" }, q.options.map(function (o) {
        return el("label", { className: "checkbox" }, [el("input", { type: "checkbox", name: name, value: o }), o]);
      }));
    }
    var type = { number: "number", date: "date" }[q.kind] || "text";
    return el("input", Object.assign({ name: name, type: type, step: "any" }, required));
  }

  function setupCheck(form, data) {
    var select = form.querySelector("[data-campaign-select]");
    var box = form.querySelector(".questions");
    fillSelect(select, data.campaigns.map(function (c) { return { value: c.id, label: c.title }; }));
    var render = function () {
      box.textContent = "";
      var campaign = data.campaigns.filter(function (c) { return String(c.id) === select.value; })[0];
      if (!campaign) return;
      campaign.questions.forEach(function (q) {
        box.appendChild(el("label", {}, [q.text + (q.required ? " *" : ""), questionInput(q)]));
      });
    };
    select.addEventListener("change", render);
    if (param("campaign")) select.value = param("campaign");
    if (!data.campaigns.length) form.querySelector(".formmsg").textContent = form.dataset.none;
    render();
    form.resetExtra = render;
  }

  function answersOf(form) {
    var answers = {};
    form.querySelectorAll("[name^='answer:']").forEach(function (input) {
      var key = input.name.slice(7);
      if (input.type === "checkbox") {
        if (!answers[key]) answers[key] = [];
        if (input.checked) answers[key].push(input.value);
      } else if (input.value !== "") {
        answers[key] = input.type === "number" ? Number(input.value) : input.value;
      }
    });
    return answers;
  }

  function submit(form, kind, data, households, submitter) {
    var msg = form.querySelector(".formmsg");
    var missing = Array.prototype.filter.call(form.querySelectorAll("[data-required]"), function (i) { return !i.value; });
    if (missing.length) { msg.textContent = missing[0].dataset.required; msg.className = "formmsg bad"; return; }
    var values = {};
    new FormData(form).forEach(function (v, k) {
      if (k.indexOf("answer:") !== 0) values[k] = typeof v === "string" ? v.trim() : v;
    });
    if (kind === "campaign_check") values.answers = answersOf(form);
    if (kind === "matter") values.report_up = !!(submitter && submitter.name === "report_up");
    ["visited_at", "followed_up_at", "checked_at"].forEach(function (k) {
      if (values[k]) values[k] = new Date(values[k]).toISOString();
    });
    ["household_id", "vulnerable_member_id", "key_person_id", "category_id", "visit_id", "campaign_id"].forEach(function (k) {
      if (k in values) { if (values[k]) values[k] = parseInt(values[k], 10); else delete values[k]; }
    });
    var label = "";
    var h = households[values.household_id];
    if (kind === "visit") label = (h ? householdLabel(h) : "") + " " + shortTime(values.visited_at);
    if (kind === "matter") label = values.title + (values.report_up ? "（登记并上报）" : "");
    if (kind === "follow_up") {
      var option = form.elements.key_person_id.selectedOptions[0];
      label = (option ? option.textContent : "") + " " + shortTime(values.followed_up_at);
    }
    if (kind === "visit_edit") label = form.dataset.label || "";
    if (kind === "campaign_check") {
      var campaign = form.querySelector("[data-campaign-select]").selectedOptions[0];
      label = (campaign ? campaign.textContent + " " : "") + (h ? householdLabel(h) : "");
    }
    enqueue(kind, values, label.trim()).then(function (record) {
      form.reset();
      form.querySelectorAll("[data-now]").forEach(function (input) { input.value = localNow(); });
      var picker = form.querySelector("[data-picker=household]");
      if (picker && picker.chooseHousehold) picker.chooseHousehold(null);
      if (kind === "matter") form.querySelector("[data-kind-select]").dispatchEvent(new Event("change"));
      if (kind === "visit_edit") form.hidden = true;
      if (form.resetExtra) form.resetExtra();
      msg.textContent = "已保存到本机" + (navigator.onLine ? "，正在上传" : "，有网络时自动上传");
      msg.className = "formmsg ok";
      if (kind === "visit_edit") say(msg.textContent);  // the form is hidden again: say it in the status bar
      form.dispatchEvent(new CustomEvent("gridgov:queued", { bubbles: true, detail: record }));
    }, function (e) {
      msg.textContent = "保存失败：" + e;
      msg.className = "formmsg bad";
    });
  }

  // ------------------------------------------------------------ matters uploaded from this phone: their numbers

  function renderSentMatters() {
    var list = document.getElementById("sent-matters");
    if (!list) return Promise.resolve();
    return all(SENT).then(function (sent) {
      var mine = sent.filter(function (r) { return r.kind === "matter" && r.reference && (r.owner || OWNER) === OWNER; });
      mine.sort(function (a, b) { return a.synced_at < b.synced_at ? 1 : -1; });
      list.textContent = "";
      list.hidden = !mine.length;
      if (!mine.length) return;
      list.appendChild(el("h2", { text: list.dataset.title }));
      mine.slice(0, 5).forEach(function (r) {
        var link = el("a", { href: list.dataset.detail.replace("0", String(r.id)), text: r.reference });
        var where = r.holder ? " · " + r.holder + (r.matter_state ? "（" + r.matter_state + "）" : "") : "";
        list.appendChild(el("article", { className: "item", "data-matter": String(r.id) }, [
          el("div", { className: "line1" }, [link, " ", el("b", { text: r.label || "" })]),
          el("div", { className: "line2 muted", text: "上传于 " + shortTime(r.synced_at) + where }),
        ]));
      });
    });
  }

  // ------------------------------------------------------------ start

  function start() {
    if ("serviceWorker" in navigator && CFG.sw) {
      navigator.serviceWorker.register(CFG.sw, { scope: CFG.scope }).catch(function () {});
    }
    window.addEventListener("online", function () { refresh(); sync(); });
    window.addEventListener("offline", function () { refresh(); });
    var button = document.getElementById("sync-now");
    if (button) button.addEventListener("click", function () { sync(); });
    var forms = document.querySelectorAll("form.fieldform");
    if (forms.length) {
      gridData().then(function (data) {
        forms.forEach(function (form) { setupForm(form, data); });
        document.documentElement.dataset.fieldReady = "1";
      }, function () {
        say("本机还没有网格数据：请在有网络时打开一次本页");
      });
    } else {
      document.documentElement.dataset.fieldReady = "1";
    }
    window.addEventListener("gridgov:synced", renderSentMatters);
    renderSentMatters();
    refresh().then(function () { if (navigator.onLine) sync(); });
  }

  window.GridField = {
    sync: sync,
    enqueue: enqueue,
    queued: function () { return all(QUEUE); },
    sent: function () { return all(SENT); },
    upload: function (records) {
      return post(records).then(function (r) { return r.json(); });
    },
    keepMine: keepMine,
    keepServer: keepServer,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
