// The chat page of `simulator serve --chat` (simulator/web/chat.py has the protocol).
// Everything that comes from a user or a scenario file goes in with textContent, never
// innerHTML: this file builds every element itself.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const MAX_REPLY = Number(body.dataset.maxReply) || 4000;
  let ws = null;
  let name = null;
  let scenario = null; // the scenario played now (its id)
  let turn = 1; // the number of the reply the customer waits for
  let busy = false; // a reply sent, its verdict not back yet
  let ended = false;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function show(section) {
    for (const id of ["join", "pick", "play"]) $(id).hidden = id !== section;
  }

  function status(text) {
    $("status").textContent = text || "";
    $("status").hidden = !text;
  }

  function points(p) {
    const n = Math.round(p * 10) / 10;
    return (n > 0 ? "+" : n < 0 ? "−" : "±") + Math.abs(n);
  }

  function send(message) {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      status("Not connected to the workshop's server: reload the page (your reply stays in the box until then).");
      return false;
    }
    ws.send(JSON.stringify(message));
    return true;
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/ws");
    ws.onmessage = (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      const handler = handlers[msg.type];
      if (handler) handler(msg);
    };
    ws.onclose = (event) => {
      busy = false;
      $("send").disabled = true;  // (what is in the box stays there)
      const why = "The connection to the workshop's server was lost" +
        (event.reason ? " (" + event.reason + ")" : "") +
        ". Reload the page to join again; a conversation left open is kept as unfinished.";
      status(why);
      if (!$("play").hidden) $("reply-error").textContent = why;
    };
  }

  const handlers = {
    hello(msg) {
      status("");
      show("join");
      $("name").focus();
    },
    joined(msg) {
      name = msg.name;
      $("who").textContent = "Playing as " + name;
      $("who").hidden = false;
      $("join-error").textContent = "";
      show("pick");
      const first = document.querySelector("button.start");
      if (first) first.focus();
    },
    started(msg) {
      scenario = msg.scenario.id;
      turn = msg.turn;
      ended = false;
      busy = false;
      $("pick-error").textContent = "";
      briefing(msg);
      $("chat").replaceChildren();
      line("customer", msg.scenario.customer, msg.customer).dataset.turn = "0";
      takeback(false);
      meters(msg);
      $("reply-form").hidden = false;
      $("debrief").hidden = true;
      $("debrief").replaceChildren();
      $("again").hidden = true;
      $("send").disabled = false;
      show("play");
      $("reply").focus();
    },
    verdict(msg) {
      busy = false;
      $("send").disabled = false;
      $("reply-error").textContent = "";
      const mine = line("trainee", name, null);
      if (msg.feedback) {
        mine.querySelector(".text").replaceChildren(...marked(msg.feedback.segments));
      } else {
        mine.querySelector(".text").textContent = msg.reply;
      }
      const added = [mine];
      if (msg.feedback) added.push($("chat").appendChild(card(msg)));
      else if (msg.notices.length || msg.over_time) added.push($("chat").appendChild(notes(msg)));
      if (msg.customer) added.push(line("customer", null, msg.customer));
      if (msg.ended) added.push($("chat").appendChild(el("li", "note", "The conversation is over: " + msg.outcome + ".")));
      for (const li of added) li.dataset.turn = String(msg.turn);
      takeback(true);
      $("reply").value = "";
      count();
      turn = msg.next_turn;
      ended = msg.ended;
      meters(msg);
      if (msg.ended) {
        $("reply-form").hidden = true;
      } else {
        $("reply").focus();
      }
      $("chat").lastElementChild.scrollIntoView({block: "end"});
    },
    debrief(msg) {
      debrief(msg);
      $("again").hidden = false;
      $("retry").focus();
    },
    hint(msg) {
      const li = el("li", "note hint-note");
      li.dataset.turn = String(turn - 1);  // (with the customer's line it helps answer)
      const p = el("p");
      p.appendChild(el("strong", null, "Hint: "));
      p.appendChild(document.createTextNode(msg.text));
      li.appendChild(p);
      if (msg.example) {
        const e = el("p", "model");
        e.appendChild(el("strong", null, "For example: "));
        e.appendChild(document.createTextNode(msg.example));
        li.appendChild(e);
      }
      $("chat").appendChild(li);
      li.scrollIntoView({block: "end"});
    },
    retracted(msg) {
      for (const li of Array.from($("chat").children)) {
        if (li.dataset.turn !== undefined && Number(li.dataset.turn) >= msg.turn) li.remove();
      }
      ended = false;
      turn = msg.next_turn;
      meters(msg);
      $("debrief").hidden = true;
      $("debrief").replaceChildren();
      $("again").hidden = true;
      $("reply-form").hidden = false;
      $("reply").value = msg.reply;  // to rework, not to retype
      count();
      takeback(turn > 1);
      $("reply").focus();
    },
    left() {
      show("pick");
    },
    pong() {},
    error(msg) {
      busy = false;
      $("send").disabled = false;
      const where = {join: "join-error", start: "pick-error", reply: "reply-error"}[msg.for];
      if (where && !$(where).closest("section").hidden) {
        $(where).textContent = msg.message;
      } else if (!$("play").hidden) {
        $("reply-error").textContent = msg.message;
      } else {
        status(msg.message);
      }
    },
  };

  function line(who, label, text) {
    const li = el("li", "line " + who);
    const whoEl = el("span", "who", label || (who === "customer" ? (lastCustomer || "Customer") : name));
    if (who === "customer" && label) lastCustomer = label;
    li.appendChild(whoEl);
    li.appendChild(el("span", "text", text));
    $("chat").appendChild(li);
    return li;
  }
  let lastCustomer = null;

  function marked(segments) {
    return segments.map((s) => {
      if (!s.category) return el("span", s.unscored ? "unscored" : null, s.text);
      const m = el(s.points < 0 ? "del" : "ins", "hit " + (s.points < 0 ? "lost " : "won ") + "cat-" + s.category, s.text);
      m.title = s.category.replace(/_/g, " ") + " " + points(s.points);
      return m;
    });
  }

  function card(msg) {
    const f = msg.feedback;
    const li = el("li", "feedback");
    li.appendChild(el("h4", null, "Feedback on reply " + msg.turn));
    const sum = el("p", "summary");
    sum.appendChild(el("strong", null, "Score " + f.score + "/100"));
    sum.appendChild(document.createTextNode(" = " + f.base + " "));
    sum.appendChild(el("span", "won", (f.gained ? points(f.gained) : "+0") + " gained"));
    sum.appendChild(document.createTextNode(" "));
    sum.appendChild(el("span", "lost", (f.lost ? points(f.lost) : "−0") + " lost"));
    if (f.clamped) sum.appendChild(el("em", null, " (= " + f.unclamped + ", kept within 0-100)"));
    li.appendChild(sum);
    for (const n of f.notices) li.appendChild(el("p", "notice", "▲ " + n));
    if (msg.over_time) li.appendChild(el("p", "notice", "▲ Over the time limit: the customer waited."));
    const rows = el("ul", "rows");
    for (const row of f.rows) {
      const r = el("li", row.points < 0 ? "row lost" : "row won");
      r.appendChild(el("span", "pts", points(row.points)));
      const text = el("div", "why");
      text.appendChild(el("strong", null, row.label));
      if (row.capped || row.rules.length > 1) {
        text.appendChild(el("em", null, " (rules " + row.rules.map((x) => points(x.points)).join(" ") +
          (row.capped ? ", capped at " + points(row.points) : "") + ")"));
      }
      for (const rule of row.rules) {
        const p = el("p", "rule");
        if (rule.quote && rule.message.indexOf(rule.quote) < 0) {
          p.appendChild(el("q", null, rule.quote));
          p.appendChild(document.createTextNode(": "));
        }
        p.appendChild(document.createTextNode(rule.message));
        text.appendChild(p);
        if (rule.better) {
          const b = el("p", "better");
          b.appendChild(el("strong", null, "Better: "));
          b.appendChild(document.createTextNode(rule.better));
          text.appendChild(b);
        }
      }
      r.appendChild(text);
      rows.appendChild(r);
    }
    if (f.lifetime) {
      const r = el("li", f.lifetime.points < 0 ? "row lost" : "row won");
      r.appendChild(el("span", "pts", points(f.lifetime.points)));
      r.appendChild(el("div", "why", "Lifetime value: " + f.lifetime.why));
      rows.appendChild(r);
    }
    li.appendChild(rows);
    if (f.credited.length) li.appendChild(el("p", "hint", "Shown in an earlier reply, not charged again: " + f.credited.join(", ")));
    const steps = el("p", "steps");
    for (const s of f.steps) steps.appendChild(el("span", s.done ? "done" : "todo", (s.done ? "✓ " : "· ") + s.label));
    li.appendChild(steps);
    if (msg.model_reply) {
      const m = el("p", "model");
      m.appendChild(el("strong", null, "A reply that would have worked here: "));
      m.appendChild(document.createTextNode(msg.model_reply));
      li.appendChild(m);
    }
    return li;
  }

  function notes(msg) {
    const li = el("li", "note");
    for (const n of msg.notices) li.appendChild(el("p", "notice", "▲ " + n));
    if (msg.over_time) li.appendChild(el("p", "notice", "▲ Over the time limit: the customer waited."));
    return li;
  }

  function briefing(msg) {
    const s = msg.scenario;
    const b = $("briefing");
    b.replaceChildren();
    b.appendChild(el("h2", null, s.title));
    b.appendChild(el("p", "meta", s.customer + " · " + s.lifetime_value + " value" +
      (s.lifetime_note ? " (" + s.lifetime_note + ")" : "") + " · patience " + s.patience +
      " · " + msg.mode + (msg.time_limit ? " · " + msg.time_limit + " s per reply" : "")));
    const d = el("details");
    d.appendChild(el("summary", null, "Briefing"));
    d.appendChild(el("p", null, s.situation));
    d.appendChild(el("p", null, s.context));
    if (s.goals.length) {
      const ul = el("ul");
      for (const g of s.goals) ul.appendChild(el("li", null, g));
      d.appendChild(ul);
    }
    b.appendChild(d);
  }

  function meters(msg) {
    $("mood").textContent = "Mood " + msg.mood + "/100";
    $("patience").textContent = "Patience " + msg.patience;
    $("turn").textContent = ended ? "" : "Reply " + (msg.next_turn || msg.turn);
  }

  function debrief(d) {
    const box = $("debrief");
    box.replaceChildren();
    box.appendChild(el("h2", null, d.title + ": " + d.outcome.toUpperCase() + (d.ending_title ? " — " + d.ending_title : "")));
    const f = d.formula;
    box.appendChild(el("p", "total", "Total score: " + d.score + "/100 = " + f.share + " × " + f.mean +
      " (the average of your replies) + " + f.outcome_points + " (" + d.outcome + ")"));
    for (const a of d.assessment) box.appendChild(el("p", "assessment", a));
    if (d.ending_text) box.appendChild(el("p", "ending", d.ending_text.trim()));
    if (d.last_straw) box.appendChild(el("p", "notice", "Reply " + d.last_straw + " used up the customer's patience."));
    box.appendChild(el("h3", null, "Your replies"));
    const t = el("table");
    const head = el("tr");
    for (const h of ["#", "score", "mood", "reply"]) head.appendChild(el("th", null, h));
    t.appendChild(head);
    for (const row of d.turns) {
      const tr = el("tr");
      tr.appendChild(el("td", null, row.index));
      tr.appendChild(el("td", null, row.score));
      tr.appendChild(el("td", null, row.mood));
      tr.appendChild(el("td", "quote", row.reply));
      t.appendChild(tr);
    }
    box.appendChild(t);
    box.appendChild(el("h3", null, "Five steps (replies that showed each)"));
    const ul = el("ul", "steps");
    for (const [step, st] of Object.entries(d.steps)) {
      ul.appendChild(el("li", null, (d.step_labels[step] || step) + ": " + st.done + "/" + st.of));
    }
    box.appendChild(ul);
    box.appendChild(el("p", "mood", "Mood: " + d.mood.join(" → ")));
    if (d.changes.length) {
      box.appendChild(el("h3", null, "Three changes worth making"));
      const ol = el("ol", "changes");
      for (const c of d.changes) {
        const li = el("li");
        li.appendChild(document.createTextNode("Reply " + c.turn + ": you wrote "));
        li.appendChild(el("q", null, c.quote));
        li.appendChild(document.createTextNode(" — " + c.why));
        const b = el("p", "better");
        b.appendChild(el("strong", null, "Better: "));
        b.appendChild(document.createTextNode(c.better));
        li.appendChild(b);
        ol.appendChild(li);
      }
      box.appendChild(ol);
    }
    if (d.model_reply) {
      const m = el("p", "model");
      m.appendChild(document.createTextNode("Reply " + d.model_reply.turn + ": you wrote "));
      m.appendChild(el("q", null, d.model_reply.quote));
      m.appendChild(document.createTextNode(". "));
      m.appendChild(el("strong", null, "A reply that would have worked here: "));
      m.appendChild(document.createTextNode(d.model_reply.reply));
      box.appendChild(m);
    }
    if (d.tips.length) {
      box.appendChild(el("h3", null, "Tips"));
      const tl = el("ul");
      for (const tip of d.tips) tl.appendChild(el("li", null, tip));
      box.appendChild(tl);
    }
    box.hidden = false;
  }

  function takeback(can) {
    if ($("takeback")) $("takeback").disabled = !can;
  }

  function count() {
    const n = $("reply").value.length;
    $("count").textContent = n > MAX_REPLY * 0.8 ? n + " / " + MAX_REPLY + " characters" : "";
  }

  function sendReply() {
    if (busy || ended) return;
    const text = $("reply").value;
    if (!text.trim()) {
      $("reply-error").textContent = "The reply is empty: write something to the customer first.";
      return;
    }
    if (send({type: "reply", text: text, turn: turn})) {
      busy = true;
      $("send").disabled = true;
      $("reply-error").textContent = "";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("join-form").addEventListener("submit", (e) => {
      e.preventDefault();
      $("join-error").textContent = "";
      send({type: "join", name: $("name").value});
    });
    for (const b of document.querySelectorAll("button.start")) {
      b.addEventListener("click", () => send({type: "start", scenario: b.dataset.scenario}));
    }
    $("reply-form").addEventListener("submit", (e) => { e.preventDefault(); sendReply(); });
    $("reply").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); sendReply(); }
    });
    $("reply").addEventListener("input", count);
    $("leave").addEventListener("click", () => send({type: "leave"}));
    if ($("hint")) $("hint").addEventListener("click", () => send({type: "hint"}));
    for (const id of ["takeback", "takeback-end"]) {
      if ($(id)) $(id).addEventListener("click", () => send({type: "retry"}));
    }
    $("retry").addEventListener("click", () => send({type: "start", scenario: scenario}));
    $("other").addEventListener("click", () => show("pick"));
    connect();
  });
})();
