// The till (/till): a keyboard-wedge scanner (or the camera) adds units,
// each checked at once by POST /v1/checkouts/preview and shown green or
// red with a sound; Pay starts the checkout and shows the provider's QR
// code until its event stream says how it ended; recent sales come from
// GET /v1/checkouts every 5 s while the till is idle, and refund single
// items. The page's JSON block till-data holds the settings and words.
"use strict";
(() => {
  const cfg = JSON.parse(document.getElementById("till-data").textContent);
  const W = cfg.words;
  const $ = (id) => document.getElementById(id);
  const scan = $("scan"), statusLine = $("status"), cart = $("cart"), payBtn = $("pay");

  // ---- words, money and time as the page's language writes them ----

  // word returns a page word with %[n]s / %[n]d filled by args.
  function word(key, ...args) {
    const s = W[key] || key;
    return s.replace(/%\[(\d+)\][sd]/g, (_, n) => String(args[Number(n) - 1]));
  }

  function group(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // money writes minor units as i18n.Money does: ¥35.00, or 35.000 KWD.
  function money(minor, currency) {
    currency = currency || cfg.currency;
    const digits = currency === cfg.currency ? cfg.digits : (cfg.other_digits[currency] ?? 2);
    const sign = minor < 0 ? "-" : "";
    let s = String(Math.abs(minor)).padStart(digits + 1, "0");
    let amount = group(s.slice(0, s.length - digits));
    if (digits > 0) amount += "." + s.slice(s.length - digits);
    if (currency === cfg.currency && cfg.symbol) return sign + cfg.symbol + amount;
    return sign + amount + " " + currency;
  }

  // parsePrice reads a price typed in major units ("35", "35.5", "35.00")
  // as minor units; NaN if it is not one.
  function parsePrice(text) {
    const t = text.trim().replace(",", ".");
    const re = cfg.digits > 0 ? new RegExp("^\\d{1,9}(\\.\\d{0," + cfg.digits + "})?$") : /^\d{1,12}$/;
    if (!re.test(t)) return NaN;
    const [whole, frac = ""] = t.split(".");
    return Number(whole) * 10 ** cfg.digits + Number((frac + "0".repeat(cfg.digits)).slice(0, cfg.digits) || 0);
  }

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // parts returns the year, month, day, hour and minute of an instant in
  // the merchant's time zone.
  function parts(iso) {
    const f = new Intl.DateTimeFormat("en-US", {
      timeZone: cfg.zone || "UTC", year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    const p = {};
    for (const x of f.formatToParts(new Date(iso))) p[x.type] = x.value;
    return p;
  }

  function formatDay(y, m, d) {
    return cfg.lang === "zh-CN" ? `${y}年${m}月${d}日` : `${d} ${MONTHS[m - 1]} ${y}`;
  }

  // day writes a date (2027-12-31) or the day of an instant in the
  // merchant's zone, as i18n.FormatDate does.
  function day(s) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (m) return formatDay(Number(m[1]), Number(m[2]), Number(m[3]));
    const p = parts(s);
    return formatDay(Number(p.year), Number(p.month), Number(p.day));
  }

  // when writes an instant to the minute, as i18n.FormatTime does.
  function when(iso) {
    const p = parts(iso);
    return day(iso) + " " + p.hour + ":" + p.minute;
  }

  function fill(s, detail) {
    let ok = true;
    const out = s.replace(/\{(\w+)\}/g, (_, name) => {
      if (!detail[name]) ok = false;
      return detail[name] || "";
    });
    return ok ? out : null;
  }

  // reasonText words a decision's reason as i18n.Reason does, its details
  // written for the cashier: dates in the shop's zone, regions by name.
  function reasonText(r) {
    const raw = r.detail || {}, d = {};
    for (const [k, v] of Object.entries(raw)) {
      if (k === "date") d.date = day(v);
      else if (k === "regions") d.regions = v.split(",").map((c) => cfg.regions[c] || c).join(cfg.lang === "zh-CN" ? "、" : ", ");
      else if (k === "min" || k === "max") d[k] = money(Number(v), raw.currency);
      else d[k] = v;
    }
    const detailed = cfg.reasons[r.code + ".detail"];
    if (detailed) {
      const s = fill(detailed, d);
      if (s) return s;
    }
    return cfg.reasons[r.code] || fill(cfg.reasons.unknown, { code: r.code });
  }

  // ---- sound: a short high beep for a unit that passed, a low double
  // buzz for a refusal ----
  let audio;
  function tone(freq, start, length, type) {
    const o = audio.createOscillator(), g = audio.createGain();
    o.type = type;
    o.frequency.value = freq;
    g.gain.setValueAtTime(0.2, audio.currentTime + start);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
    o.connect(g).connect(audio.destination);
    o.start(audio.currentTime + start);
    o.stop(audio.currentTime + start + length);
  }
  function sound(pass) {
    try {
      audio = audio || new AudioContext();
      if (pass) tone(1568, 0, 0.12, "sine");
      else { tone(196, 0, 0.16, "square"); tone(196, 0.22, 0.16, "square"); }
    } catch (e) { /* no audio on this device: the colours say it */ }
  }

  // ---- the API ----
  async function api(method, path, body, headers) {
    const init = { method, headers: Object.assign({ Accept: "application/json" }, headers) };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      return { status: 0, body: null };
    }
    let data = null;
    try { data = await resp.json(); } catch (e) { /* no JSON */ }
    if (resp.status === 401) location.assign("/login?next=%2Ftill");
    return { status: resp.status, body: data };
  }

  function problemText(r) {
    if (r.status === 0 || !r.body) return word("till.offline");
    return cfg.reasons[r.body.code] || word("till.offline");
  }

  function say(text) {
    statusLine.textContent = text;
  }

  // ---- focus: the scan field has it, but while the cashier types a
  // price or uses a button or link ----
  function focusScan() {
    if (!scan.disabled) scan.focus();
  }
  scan.addEventListener("blur", () => {
    setTimeout(() => {
      const a = document.activeElement;
      if (!a || a === document.body) focusScan();
    }, 0);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      closeConfirm();
      focusScan();
    }
  });

  // ---- the cart ----
  let lines = []; // {code, key, state: checking|pass|refuse|error, decision, product, price, priceFrom, note}
  let attempt = null; // the Idempotency-Key of this cart's checkout, until the cart changes
  const names = {}; // product names by GTIN, for recent sales

  function unitKey(item) {
    return item.gtin && item.serial ? item.gtin + "/" + item.serial : item.code;
  }

  // A wedge scanner types the code, GS (U+001D) between fields, then
  // Enter. Browsers type no GS into an input, so it is put in by hand.
  scan.addEventListener("keydown", (e) => {
    const gs = e.key === "\u001d" || (e.ctrlKey && (e.key === "]" || e.code === "BracketRight"));
    if (gs) {
      e.preventDefault();
      scan.setRangeText("\u001d", scan.selectionStart, scan.selectionEnd, "end");
    } else if (e.key === "Enter") {
      e.preventDefault();
      const code = scan.value.trim();
      scan.value = "";
      if (code) add(code);
    }
  });

  // add checks a scanned unit and puts it in the cart; typed, when the
  // cart is restored, is the price the cashier had typed for it.
  async function add(code, typed) {
    if (mode !== "cart") return;
    hideDone();
    const line = { code, state: "checking", typed };
    lines.push(line);
    attempt = null;
    render();
    const r = await api("POST", "/v1/checkouts/preview", { items: [{ code, price: typed }], currency: cfg.currency });
    if (r.status !== 200) {
      lines = lines.filter((l) => l !== line);
      render();
      say(problemText(r));
      sound(false);
      return;
    }
    const item = r.body.items[0];
    const key = unitKey(item);
    if (lines.some((l) => l !== line && l.key === key)) {
      lines = lines.filter((l) => l !== line);
      render();
      say(word("till.duplicate"));
      sound(false);
      return;
    }
    line.key = key;
    decided(line, item);
    render();
    say(line.state === "pass" ? word("till.added", lineName(line)) : word("till.refused_line", line.why.join("; ")));
    sound(line.state === "pass");
  }

  // decided puts a preview's (or a refused checkout's) item on its line.
  function decided(line, item) {
    line.decision = item.decision;
    if (item.product) {
      line.product = item.product;
      names[item.product.gtin] = item.product.name;
    }
    if (item.price_from !== undefined) {
      line.priceFrom = item.price_from;
      line.price = item.price_from === "none" ? line.typed : item.price;
    }
    const reasons = item.decision.reasons || [];
    line.state = item.decision.outcome === "pass" ? "pass" : "refuse";
    line.why = reasons.filter((r) => r.action === "refuse" && !r.shadow).map(reasonText);
    line.notes = reasons.filter((r) => r.action !== "refuse" || r.shadow).map(reasonText);
    if (line.state === "refuse" && line.why.length === 0) line.why = reasons.map(reasonText);
  }

  function lineName(line) {
    return line.product ? line.product.name : word("till.unknown_product");
  }

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k) e.append(k);
    return e;
  }

  let lineIds = 0;
  function renderLine(line) {
    line.id = line.id || "l" + ++lineIds;
    const li = el("li", { class: "line " + line.state, id: line.id });
    const sign = { pass: "\u2714", refuse: "\u2718", checking: "\u2026" }[line.state];
    li.append(el("span", { class: "sign", "aria-hidden": "true", text: sign }));
    li.append(el("span", { class: "name", text: line.state === "checking" ? word("till.checking") : lineName(line) }));
    const price = el("span", { class: "price" });
    if (line.state !== "checking") {
      if (line.priceFrom === "list") {
        price.textContent = money(line.price);
        price.title = word("till.from_list");
      } else {
        const id = line.id + "-price";
        const input = el("input", { id, type: "text", inputmode: "decimal", autocomplete: "off", placeholder: (0).toFixed(cfg.digits) });
        input.value = line.typed !== undefined ? (line.typed / 10 ** cfg.digits).toFixed(cfg.digits) : "";
        if (line.typed === undefined) input.setAttribute("aria-invalid", line.priceError ? "true" : "false");
        price.append(el("label", { for: id, text: word("till.price_of", lineName(line)) }), input);
        input.addEventListener("keydown", (e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            setPrice(line, input.value, true);
          }
        });
        input.addEventListener("change", () => setPrice(line, input.value, false));
      }
    }
    li.append(price);
    if (line.state === "refuse") li.append(el("span", { class: "why", text: line.why.join("; ") }));
    for (const n of line.notes || []) li.append(el("span", { class: "note", text: n }));
    if (line.state !== "refuse" && line.priceFrom !== "list" && line.typed === undefined && line.state !== "checking") {
      li.append(el("span", { class: "note", text: line.priceError ? word("till.price_invalid") : word("till.price_needed") }));
    }
    li.append(el("span", { class: "note", text: word("till.code") + ": " + line.code.replace(/\u001d/g, "\u2194") }));
    const rm = el("button", { type: "button", class: "quiet remove", "aria-label": word("till.remove_item", lineName(line)), text: "\u00d7" });
    rm.addEventListener("click", () => {
      lines = lines.filter((l) => l !== line);
      attempt = null;
      render();
      say(word("till.removed", lineName(line)));
      focusScan();
    });
    li.append(rm);
    return li;
  }

  // setPrice takes a typed price and checks the unit again at it (the
  // brand's price range may refuse it).
  async function setPrice(line, text, thenScan) {
    const minor = parsePrice(text);
    if (Number.isNaN(minor)) {
      line.priceError = text.trim() !== "";
      line.typed = undefined;
      render();
      if (thenScan) say(word("till.price_invalid"));
      return;
    }
    if (line.typed === minor) {
      if (thenScan) focusScan();
      return;
    }
    line.typed = minor;
    line.priceError = false;
    attempt = null;
    const r = await api("POST", "/v1/checkouts/preview", { items: [{ code: line.code, price: minor }], currency: cfg.currency });
    if (r.status === 200 && lines.includes(line)) {
      decided(line, r.body.items[0]);
      line.price = minor;
      line.priceFrom = "cart";
      if (line.state !== "pass") sound(false);
    } else if (r.status !== 200) {
      say(problemText(r));
    }
    render();
    if (thenScan) focusScan();
  }

  function ready() {
    return lines.length > 0 && lines.every((l) => l.state === "pass" && Number.isInteger(l.price));
  }

  function render() {
    const focused = document.activeElement && document.activeElement.id;
    cart.replaceChildren(...lines.map(renderLine));
    $("cart-empty").hidden = lines.length > 0;
    const total = lines.reduce((s, l) => s + (l.state === "pass" && Number.isInteger(l.price) ? l.price : 0), 0);
    $("total").textContent = money(total);
    const ok = ready();
    payBtn.setAttribute("aria-disabled", ok ? "false" : "true");
    $("pay-blocked").hidden = ok || lines.length === 0;
    if (focused && focused !== "scan") {
      const again = document.getElementById(focused);
      if (again) again.focus();
    }
    keep();
  }

  // The cart outlives a reload of the page in this tab (the language
  // switch reloads it): its codes and typed prices are kept, and each unit
  // is checked again when the page comes back, since it may have changed.
  const kept = "genuine.till.cart." + cfg.merchant_id;
  function keep() {
    try {
      sessionStorage.setItem(kept, JSON.stringify(lines.map((l) => ({ code: l.code, typed: l.typed }))));
    } catch (e) {
      // Storage is off in this browser: the cart ends with the page.
    }
  }
  function kepts() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(kept) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch (e) {
      return [];
    }
  }
  async function restore(saved) {
    for (const k of saved) {
      if (k && typeof k.code === "string") await add(k.code, Number.isInteger(k.typed) ? k.typed : undefined);
    }
  }

  // ---- providers ----
  const providerSelect = $("provider");
  for (const p of cfg.providers) {
    providerSelect.append(el("option", { value: p, text: W["provider." + p] || p }));
  }
  $("provider-row").hidden = cfg.providers.length < 2;

  // ---- payment ----
  let mode = "cart"; // cart | paying
  let current = null, events = null, ticker = null;

  payBtn.addEventListener("click", pay);

  async function pay() {
    if (mode !== "cart") return;
    if (!ready()) {
      $("pay-blocked").hidden = lines.length === 0;
      say(lines.length ? word("till.pay_blocked") : word("till.empty"));
      return;
    }
    attempt = attempt || (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    setMode("paying");
    const body = {
      items: lines.map((l) => ({ code: l.code, price: l.price })),
      currency: cfg.currency,
      provider: providerSelect.value || cfg.providers[0],
    };
    const r = await api("POST", "/v1/checkouts", body, { "Idempotency-Key": attempt });
    if (r.status === 201) {
      showPayment(r.body);
      return;
    }
    setMode("cart");
    if (r.status === 422 && r.body && r.body.items) {
      r.body.items.forEach((item, i) => lines[i] && decided(lines[i], item));
      attempt = null;
      render();
      say(word("till.refused"));
      sound(false);
    } else {
      say(problemText(r));
    }
    focusScan();
  }

  function setMode(m) {
    mode = m;
    const paying = m === "paying";
    scan.disabled = paying;
    $("camera").disabled = paying;
    $("cart-box").hidden = paying;
    if (!paying) $("payment").hidden = true;
  }

  function showPayment(c) {
    current = c;
    say("");
    const p = c.payment || {};
    $("pay-qr").src = "/till/checkouts/" + encodeURIComponent(c.id) + "/qr";
    $("pay-amount").textContent = money(c.total, c.currency);
    $("pay-state").textContent = word("waiting_for_payment");
    const link = $("pay-link");
    link.hidden = !p.pay_url;
    if (p.pay_url) link.href = p.pay_url;
    $("payment").hidden = false;
    const deadline = new Date(p.expires_at && p.expires_at < c.deadline ? p.expires_at : c.deadline);
    const tick = () => {
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      $("countdown").textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    };
    tick();
    ticker = setInterval(tick, 1000);
    $("cancel").focus();
    events = new EventSource("/v1/checkouts/" + encodeURIComponent(c.id) + "/events");
    events.addEventListener("status", (e) => {
      const ev = JSON.parse(e.data);
      if (ev.status !== "awaiting_payment") ended(ev.status);
    });
  }

  function stopWatching() {
    if (events) events.close();
    if (ticker) clearInterval(ticker);
    events = ticker = null;
  }

  async function ended(status) {
    stopWatching();
    const c = current;
    current = null;
    if (status === "paid") {
      setMode("cart");
      lines = [];
      attempt = null;
      render();
      showDone(c);
      sound(true);
      say(word("paid"));
      refreshSales();
      focusScan();
      return;
    }
    // Failed, canceled or expired: nothing was paid; the cart is back.
    setMode("cart");
    attempt = null;
    render();
    const text = { expired: word("payment_timed_out"), canceled: word("till.canceled") }[status] || word("till.failed");
    say(text);
    sound(false);
    refreshSales();
    focusScan();
  }

  $("cancel").addEventListener("click", async () => {
    if (!current) return;
    const r = await api("POST", "/v1/checkouts/" + encodeURIComponent(current.id) + "/cancel");
    if (r.status === 200 && r.body.status !== "awaiting_payment") ended(r.body.status);
    else if (r.status !== 200) say(problemText(r));
  });

  function showDone(c) {
    const box = $("done");
    box.hidden = false;
    $("done-summary").textContent = money(c.total, c.currency) + " \u00b7 " + (W["provider." + c.provider] || c.provider) +
      (c.payment ? " \u00b7 " + word("payment_reference") + ": " + c.payment.reference : "");
    $("receipt-link").href = "/till/receipt/" + encodeURIComponent(c.id);
  }

  function hideDone() {
    $("done").hidden = true;
  }

  // ---- recent sales ----
  const salesList = $("sales");
  let olderCursor = "";
  let confirming = null;

  function closeConfirm() {
    if (confirming) {
      confirming = null;
      renderSales(lastSales);
    }
  }

  let lastSales = [];
  async function refreshSales() {
    const r = await api("GET", "/v1/checkouts?limit=10");
    if (r.status !== 200) return;
    lastSales = r.body.checkouts;
    olderCursor = r.body.next || "";
    await nameProducts(lastSales);
    const inside = salesList.contains(document.activeElement);
    if (!confirming && !inside) renderSales(lastSales);
  }

  // nameProducts learns the names of the products of sales the till has
  // not scanned itself (self-checkout sales, sales before a reload).
  async function nameProducts(list) {
    const missing = new Set();
    for (const c of list) for (const it of c.items) if (it.gtin && !(it.gtin in names)) missing.add(it.gtin);
    if (missing.size === 0) return;
    const q = [...missing].slice(0, 100).map((g) => "gtin=" + encodeURIComponent(g)).join("&");
    const r = await api("GET", "/till/product-names?" + q);
    if (r.status !== 200) return;
    for (const g of missing) names[g] = r.body[g] || "";
  }

  function renderSales(list) {
    const shown = list.filter((c) => c.status !== "refused");
    salesList.replaceChildren(...shown.map(renderSale));
    $("no-sales").hidden = shown.length > 0;
    $("older").hidden = !olderCursor;
  }

  function itemName(it) {
    return (it.gtin && names[it.gtin]) || (it.gtin ? "(01)" + it.gtin + "(21)" + it.serial : it.code);
  }

  function renderSale(c) {
    const li = el("li", { class: "sale" });
    const head = el("div", { class: "sale-head" });
    head.append(el("span", { text: when(c.created_at) }), el("strong", { text: money(c.total, c.currency) }));
    const status = el("span", { class: "sale-status", text: W["status." + c.status] || c.status });
    head.append(status);
    if (c.channel === "self_checkout") head.append(el("span", { class: "tag", text: word("self_checkout") }));
    li.append(head);
    const items = el("ul");
    const refundable = c.status === "paid" || c.status === "partially_refunded";
    c.items.forEach((it) => {
      const row = el("li");
      const name = el("span", { class: it.refunded ? "refunded-item" : "", text: itemName(it) + " \u00b7 " + money(it.price, c.currency) });
      row.append(name);
      if (it.refunded) row.append(el("span", { class: "tag", text: word("refunded") }));
      if (refundable && !it.refunded) {
        if (confirming && confirming.id === c.id && confirming.code === it.code) {
          const box = el("span", { class: "confirm", role: "group" });
          const q = el("span", { text: word("till.refund_confirm", itemName(it), money(it.price, c.currency)) });
          const yes = el("button", { type: "button", text: word("till.refund_yes") });
          const no = el("button", { type: "button", class: "quiet", text: word("till.refund_no") });
          yes.addEventListener("click", () => refund(c, it));
          no.addEventListener("click", () => { closeConfirm(); focusScan(); });
          box.append(q, yes, no);
          row.append(box);
          setTimeout(() => yes.focus(), 0);
        } else {
          const b = el("button", { type: "button", class: "quiet", text: word("till.refund_item", itemName(it)) });
          b.addEventListener("click", () => {
            confirming = { id: c.id, code: it.code };
            renderSales(lastSales);
          });
          row.append(b);
        }
      }
      items.append(row);
    });
    li.append(items);
    if (c.status === "paid" || c.status === "refunded" || c.status === "partially_refunded") {
      li.append(el("a", { href: "/till/receipt/" + encodeURIComponent(c.id), text: word("receipt") }));
    }
    return li;
  }

  async function refund(c, it) {
    const r = await api("POST", "/v1/checkouts/" + encodeURIComponent(c.id) + "/refund", { items: [it.code] });
    confirming = null;
    if (r.status === 200) {
      say(word("till.sale_refunded", itemName(it)));
      const i = lastSales.findIndex((x) => x.id === c.id);
      if (i >= 0) lastSales[i] = r.body;
    } else {
      say(problemText(r));
    }
    renderSales(lastSales);
    focusScan();
    refreshSales();
  }

  $("older").addEventListener("click", async () => {
    if (!olderCursor) return;
    const r = await api("GET", "/v1/checkouts?limit=10&before=" + encodeURIComponent(olderCursor));
    if (r.status !== 200) return;
    lastSales = lastSales.concat(r.body.checkouts);
    olderCursor = r.body.next || "";
    await nameProducts(r.body.checkouts);
    renderSales(lastSales);
  });

  setInterval(() => {
    if (mode === "cart" && !document.hidden) refreshSales();
  }, 5000);
  // A cashier coming back to the tab sees the sales made meanwhile at once.
  document.addEventListener("visibilitychange", () => {
    if (mode === "cart" && !document.hidden) refreshSales();
  });

  // ---- the camera: jsQR, loaded when first used, reads each frame ----
  let stream = null, loaded = null, lastRead = { code: "", at: 0 };
  const video = $("camera-video"), canvas = document.createElement("canvas");

  function loadDecoder() {
    loaded = loaded || new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = cfg.camera;
      s.onload = resolve;
      s.onerror = reject;
      document.head.append(s);
    });
    return loaded;
  }

  $("camera").addEventListener("click", async () => {
    if (stream) return;
    try {
      await loadDecoder();
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) {
      say(word("till.camera_failed"));
      focusScan();
      return;
    }
    video.srcObject = stream;
    $("camera-box").hidden = false;
    await video.play().catch(() => {});
    requestAnimationFrame(read);
    focusScan();
  });

  function read() {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0);
      const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
      const now = Date.now();
      if (found && found.data && (found.data !== lastRead.code || now - lastRead.at > 3000)) {
        lastRead = { code: found.data, at: now };
        add(found.data);
      } else if (found && found.data) {
        lastRead.at = now;
      }
    }
    setTimeout(() => requestAnimationFrame(read), 150);
  }

  $("camera-stop").addEventListener("click", () => {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.srcObject = null;
    $("camera-box").hidden = true;
    focusScan();
  });

  const saved = kepts(); // before render keeps the empty cart
  render();
  restore(saved);
  refreshSales();
  focusScan();
})();
