/* The map follows the window in the browser: while a slider handle is dragged and while playback
 * runs, the routes, airports and events of any window are counted from the window model
 * (components/map_panel.py send_window_model, flightmap/window_model.py: sorted day arrays, two
 * binary searches per route) with figures.py's rules, and drawn on a canvas laid over the map.
 * Plotly's own update path is kept out of these frames: it costs ~170 ms whatever changes (it
 * rebuilds every trace's source and layer); the canvas a few ms.
 * The server's figure (hover texts, ids for clicks, event callouts, tracks) takes over again
 * once it shows the window the overlay shows (its layout.meta.window).
 * Loaded after flightmap.js (assets load by name): extends window.dash_clientside.flightmap. */
(function () {
  "use strict";
  const ns = (window.dash_clientside = window.dash_clientside || {});
  const fm = (ns.flightmap = ns.flightmap || {});

  // ---- The model, decoded once per (data, filters). ----
  function bytes(text) {
    const raw = atob(text || "");
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  const i32 = (t) => new Int32Array(bytes(t));
  const f32 = (t) => new Float32Array(bytes(t));
  // Day numbers sent as offsets from a base (uint16 when they fit); prefix sums sent as steps.
  function days(spec) {
    const raw = spec.type === "u2" ? new Uint16Array(bytes(spec.data)) : new Int32Array(bytes(spec.data));
    const out = new Int32Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw[i] + spec.base;
    return out;
  }
  function prefix(spec) {
    const raw = spec.type === "u2" ? new Uint16Array(bytes(spec.data)) : new Int32Array(bytes(spec.data));
    const out = new Float64Array(raw.length + 1);
    for (let i = 0; i < raw.length; i++) out[i + 1] = out[i] + raw[i];
    return out;
  }
  let decoded = null;
  function decode(data) {
    if (!data) return null;
    if (decoded && decoded.key === data.key) return decoded;
    const r = data.routes, a = data.airports, e = data.events;
    decoded = {
      key: data.key, rules: data.rules, complete: data.complete, totalRoutes: data.totalRoutes,
      routes: {
        style: i32(r.style), origin: i32(r.origin), destination: i32(r.destination), rank: i32(r.rank), offsets: i32(r.offsets),
        starts: days(r.starts), ends: days(r.ends), startFlights: prefix(r.startFlights), endFlights: prefix(r.endFlights),
        geometryOffsets: i32(r.geometryOffsets), lat: f32(r.lat), lon: f32(r.lon),
        chevronOffsets: i32(r.chevronOffsets), chevronLat: f32(r.chevronLat), chevronLon: f32(r.chevronLon),
      },
      airports: {
        names: a.names, labels: a.labels, lat: f32(a.lat), lon: f32(a.lon), rank: i32(a.rank), offsets: i32(a.offsets),
        starts: days(a.starts), ends: days(a.ends),
      },
      events: {start: i32(e.start), end: i32(e.end), lat: f32(e.lat), lon: f32(e.lon), category: i32(e.category)},
    };
    return decoded;
  }

  // First position in [lo, hi) whose value is > x (right) or >= x (left).
  function bisect(values, lo, hi, x, right) {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (right ? values[mid] <= x : values[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // figures.py's rules (window_model.drawn_routes / airport_marks, unit-tested against them).
  function widthFor(flights, records, widest) {
    const traffic = Math.max(1, flights > 0 ? flights : records);
    let width = Math.min(12, 2.5 * Math.sqrt(traffic));
    if (widest && widest > traffic) width = Math.min(width, 12 * Math.sqrt(traffic / widest));
    return Math.max(2.5, width);
  }
  function widthStep(width, steps) {
    let best = steps[0];
    for (const step of steps) if (Math.abs(step - width) < Math.abs(best - width)) best = step;
    return best;
  }
  function airportSize(records, most, rules) {
    records = Math.max(records, 1);
    const plain = 8 + 3 * Math.sqrt(records);
    const scaled = rules.maxMarker * Math.sqrt(records / Math.max(most, 1));
    return Math.round(Math.max(Math.min(plain, scaled), rules.minMarker) * 10) / 10;
  }
  function routeLabel(style, flights, records) {
    if (style !== "pattern" && flights > 0) return flights === 1 ? "1 flight" : `${flights} flights`;
    return records === 1 ? "pattern" : `${records} patterns`;
  }

  // What the map shows for the window [first, last] (days), `hidden` the legend's layers off.
  function computeWindow(model, first, last, hidden) {
    const rules = model.rules, R = model.routes, A = model.airports, E = model.events;
    hidden = new Set(hidden || []);
    const n = R.style.length;
    const candidates = [];
    for (let i = 0; i < n; i++) {
      const style = rules.styles[R.style[i]];
      if (hidden.has(style)) continue;
      const lo = R.offsets[i], hi = R.offsets[i + 1];
      const upto = bisect(R.starts, lo, hi, last, true);
      const before = bisect(R.ends, lo, hi, first, false);
      const records = (upto - lo) - (before - lo);
      if (records <= 0) continue;
      const flights = (R.startFlights[upto] - R.startFlights[lo]) - (R.endFlights[before] - R.endFlights[lo]);
      candidates.push({i, style, records, flights, traffic: flights > 0 ? flights : records});
    }
    candidates.sort((p, q) => q.traffic - p.traffic || q.records - p.records || R.rank[p.i] - R.rank[q.i]);
    const routes = candidates.slice(0, rules.maxRoutes).sort((p, q) => R.rank[p.i] - R.rank[q.i]);
    const widest = routes.reduce((m, r) => Math.max(m, r.traffic), 1);
    for (const r of routes) {
      r.width = widthStep(widthFor(r.flights, r.records, widest), rules.widthSteps);
      r.origin = A.names[R.origin[r.i]];
      r.destination = A.names[R.destination[r.i]];
    }
    let airports = [];
    if (!hidden.has("airports")) {
      for (let j = 0; j < A.names.length; j++) {
        const lo = A.offsets[j], hi = A.offsets[j + 1];
        const records = bisect(A.starts, lo, hi, last, true) - bisect(A.ends, lo, hi, first, false);
        if (records > 0) airports.push({j, records});
      }
      airports.sort((p, q) => A.rank[p.j] - A.rank[q.j]);
      const most = airports.reduce((m, a) => Math.max(m, a.records), 1);
      let busy = null;
      if (airports.length > rules.compactAirports) {  // rank(method="first"): ties by airport order
        busy = new Set(airports.map((a, k) => [a.records, k]).sort((p, q) => q[0] - p[0] || p[1] - q[1]).slice(0, rules.labelledAirports).map((p) => p[1]));
      }
      airports.forEach((a, k) => {
        a.name = A.names[a.j];
        a.size = airportSize(a.records, most, rules);
        a.label = !busy || busy.has(k) ? A.labels[a.j] : "";
      });
    }
    const events = [];
    for (let k = 0; k < E.start.length; k++) {
      const category = rules.categories[E.category[k]];
      if (E.start[k] <= last && E.end[k] >= first && !hidden.has(`event-${category}`) && Number.isFinite(E.lat[k])) events.push({k, category});
    }
    return {window: [first, last], routes, airports, events};
  }

  // ---- Drawing into MapLibre. ----
  const mapOf = (gd) => gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
  const graph = () => document.querySelector("#route-map .js-plotly-plot");
  const ready = (map) => map && !map._removed && map.style && map.style._loaded;

  // The overlay is a 2D canvas laid over the map, not MapLibre sources: a MapLibre frame costs
  // ~100 ms in software WebGL and new GeoJSON data takes three of them (worker, tiles, paint),
  // while projecting and stroking 60 routes and a few hundred discs on a canvas takes a few ms
  // and repaints with the page's next frame. The map under it is only redrawn when Plotly's own
  // layers are hidden (once, when following starts) or when the reader pans or zooms.
  function overlayCanvas(map) {
    const box = map.getContainer();
    let canvas = box.querySelector("canvas.fm-window-overlay");
    if (!canvas) {
      canvas = document.createElement("canvas");
      canvas.className = "fm-window-overlay";
      canvas.setAttribute("aria-hidden", "true");
      box.insertBefore(canvas, map.getCanvasContainer().nextSibling);  // under the map's controls
      map.on("move", () => { if (state.active && state.view) paint(map, state.view); });
      map.on("resize", () => { if (state.active && state.view) paint(map, state.view); });
    }
    const ratio = window.devicePixelRatio || 1;
    const width = box.clientWidth, height = box.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    return {canvas, context, width, height};
  }
  let fontFamily = null;
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function dayText(day) {  // as the server writes a day: 05 Sep 2023
    const date = new Date(day * 86400000);
    return `${String(date.getUTCDate()).padStart(2, "0")} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  }
  function paint(map, view) {
    const model = decode(currentModel());
    if (!model) return;
    const {context: g, width, height} = overlayCanvas(map);
    const R = model.routes, A = model.airports, E = model.events, c = model.rules.colours;
    fontFamily = fontFamily || getComputedStyle(document.body).fontFamily || "sans-serif";
    g.clearRect(0, 0, width, height);
    g.lineJoin = "round";
    const dash = {pattern: [3, 2], disputed: [1, 1]};
    const labels = [];
    for (const r of view.routes) {
      g.beginPath();
      let middle = null;
      const from = R.geometryOffsets[r.i], to = R.geometryOffsets[r.i + 1];
      for (let k = from; k < to; k++) {
        const p = map.project([R.lon[k], R.lat[k]]);
        if (k === from) g.moveTo(p.x, p.y); else g.lineTo(p.x, p.y);
        if (k === from + Math.floor((to - from) / 2)) middle = p;
      }
      g.strokeStyle = c[r.style];
      g.lineWidth = r.width;
      g.setLineDash((dash[r.style] || []).map((d) => d * r.width));
      g.stroke();
      g.setLineDash([]);
      g.lineWidth = 2.5;
      g.beginPath();
      let open = false;
      for (let k = R.chevronOffsets[r.i]; k < R.chevronOffsets[r.i + 1]; k++) {
        if (Number.isNaN(R.chevronLat[k])) { open = false; continue; }
        const p = map.project([R.chevronLon[k], R.chevronLat[k]]);
        if (open) g.lineTo(p.x, p.y); else { g.moveTo(p.x, p.y); open = true; }
      }
      g.stroke();
      if (middle && (r.records > 1 || r.flights > 1)) labels.push([middle, routeLabel(r.style, r.flights, r.records), 11, "#333333", "center", r.traffic]);
    }
    for (const e of view.events) {
      const p = map.project([E.lon[e.k], E.lat[e.k]]);
      g.beginPath();
      g.arc(p.x, p.y, 6.5, 0, 2 * Math.PI);
      g.fillStyle = c[`event-${e.category}`] || "#6B6B6B";
      g.fill();
    }
    g.fillStyle = c.airport;
    for (const a of view.airports) {
      const p = map.project([A.lon[a.j], A.lat[a.j]]);
      g.beginPath();
      g.arc(p.x, p.y, a.size / 2, 0, 2 * Math.PI);
      g.fill();
      if (a.label) labels.push([{x: p.x + a.size / 2 + 3, y: p.y + 4}, a.label, 13, c.airport, "left", a.records]);
    }
    // The window's dates in the corner: the slider, the numbers and the lists of the page follow
    // once the window settles (a handle released, playback paused or ended).
    const dates = `${dayText(view.window[0])} – ${dayText(view.window[1])}`;
    g.font = `bold 14px ${fontFamily}`;
    g.fillStyle = "rgba(255,255,255,0.92)";
    g.fillRect(8, 8, g.measureText(dates).width + 16, 26);
    g.fillStyle = "#1a1a1a";
    g.textAlign = "left";
    g.textBaseline = "middle";
    g.fillText(dates, 16, 21);
    // Labels never overlap (as MapLibre places them): airports' first, busiest first, then the
    // routes', each dropped if its box would cover one already placed.
    g.lineWidth = 3;
    g.strokeStyle = "rgba(255,255,255,0.9)";  // a halo, as MapLibre's labels have
    const placed = [{x0: 8, y0: 8, x1: 8 + g.measureText(dates).width + 16, y1: 34}];
    const busiest = (p, q) => q[5] - p[5];
    const order = labels.filter((l) => l[4] === "left").sort(busiest).concat(labels.filter((l) => l[4] !== "left").sort(busiest));
    for (const [p, text, size, colour, align] of order) {
      g.font = `${size}px ${fontFamily}`;
      const w = g.measureText(text).width;
      const x0 = align === "left" ? p.x : p.x - w / 2, y0 = align === "left" ? p.y : p.y - size / 2;
      const box = {x0: x0 - 2, y0: y0 - 2, x1: x0 + w + 2, y1: y0 + size + 2};
      if (placed.some((b) => box.x0 < b.x1 && box.x1 > b.x0 && box.y0 < b.y1 && box.y1 > b.y0)) continue;
      placed.push(box);
      g.textAlign = align;
      g.textBaseline = align === "left" ? "top" : "middle";
      g.strokeText(text, p.x, p.y);
      g.fillStyle = colour;
      g.fillText(text, p.x, p.y);
    }
  }
  function clearOverlay(map) {
    const canvas = map && map.getContainer().querySelector("canvas.fm-window-overlay");
    if (canvas) canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  }

  // Plotly's own trace layers are hidden while the overlay shows another window than they do.
  let hiddenPlotly = [];
  function hidePlotly(map) {
    const ids = map.getLayersOrder ? map.getLayersOrder() : Object.keys(map.style._layers);
    for (const id of ids) {
      if (!id.startsWith("plotly-trace-layer-")) continue;
      if (map.getLayoutProperty(id, "visibility") !== "none") {
        map.setLayoutProperty(id, "visibility", "none");
        hiddenPlotly.push(id);
      }
    }
  }
  function showPlotly(map) {
    for (const id of hiddenPlotly) if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", "visible");
    hiddenPlotly = [];
  }

  const state = {active: false, wanted: null, playing: null, settled: null, finished: null, stats: {draws: 0, computeMs: 0, paintMs: 0}};
  function request(window_) {
    state.wanted = window_;
    drawNow();
  }
  function drawNow() {
    const gd = graph(), map = mapOf(gd);
    const model = decode(currentModel());
    if (!state.wanted || !model || !ready(map)) return;
    const t0 = performance.now();
    const layers = currentLayers();
    const view = computeWindow(model, state.wanted[0], state.wanted[1], layers);
    const t1 = performance.now();
    state.view = view;
    paint(map, view);
    hidePlotly(map);
    // The figure's notes (routes not drawn, the size key, "no records") speak of its own window.
    document.getElementById("route-map").classList.add("following-window");
    state.active = true;
    const t2 = performance.now();
    state.stats.draws += 1;
    state.stats.computeMs = t1 - t0;
    state.stats.paintMs = t2 - t1;
    // What the page shows now, for tests and the benchmark probe to read.
    gd.windowDrawn = {window: view.window, at: t2, routes: view.routes.map((r) => ({origin: r.origin, destination: r.destination, style: r.style, width: r.width})),
      airports: view.airports.map((a) => ({name: a.name, size: a.size, label: a.label})), events: view.events.length};
    gd.dispatchEvent(new CustomEvent("flightmap-window-drawn", {detail: gd.windowDrawn}));
  }
  function release() {
    const gd = graph(), map = mapOf(gd);
    state.active = false;
    state.wanted = null;
    if (gd) gd.windowDrawn = null;
    const box = document.getElementById("route-map");
    if (box) box.classList.remove("following-window");
    if (!ready(map)) return;
    state.view = null;
    clearOverlay(map);
    showPlotly(map);
  }
  const same = (a, b) => Array.isArray(a) && Array.isArray(b) && a[0] === b[0] && a[1] === b[1];
  // The server's figure has landed: it takes over if it shows the settled window, else the
  // overlay stays on top (Plotly's newly added layers hidden again).
  function afterPlot() {
    if (!state.active) return;
    const gd = graph(), map = mapOf(gd);
    const shows = gd && gd.layout && gd.layout.meta && gd.layout.meta.window;
    if (!state.playing && state.settled && same(shows, state.settled) && !dragging()) release();
    else if (ready(map)) hidePlotly(map);
  }
  function watch() {
    const gd = graph();
    if (gd && gd.on && !gd.__windowWatch) {
      gd.__windowWatch = true;
      gd.on("plotly_afterplot", afterPlot);
    }
  }

  let modelData = null, layersData = [];
  const currentModel = () => modelData;
  const currentLayers = () => layersData;
  let sliderValue = null, dragValue = null;
  const dragging = () => dragValue && sliderValue && !same(dragValue, sliderValue);

  // A handle dragged: the map follows the slider's thumbs as the slider redraws them (their
  // aria-valuenow), not a callback on Dash's drag_value: such a callback ran Dash's callback
  // pipeline on every mouse move, ~30 ms of the main thread on a 100k-flight page, and held the
  // redraws to about one in three moves. Only a person's hand on the slider counts (a pointer
  // held on it, a key pressed on a thumb): a window set by a story step, a link or a typed date
  // moves the thumbs too, and is drawn by the server's figure.
  const thumbs = () => {
    const found = document.querySelectorAll("#timeline-slider [role=slider]");
    return found.length === 2 ? [+found[0].getAttribute("aria-valuenow"), +found[1].getAttribute("aria-valuenow")] : null;
  };
  let handHeld = false, keyAt = -Infinity;
  const byHand = () => handHeld || performance.now() - keyAt < 200;
  function followThumbs() {
    const box = document.querySelector(".timeline");
    if (!box || box.__thumbWatch) return;
    box.addEventListener("pointerdown", (e) => { if (e.target.closest("#timeline-slider")) handHeld = true; }, true);
    document.addEventListener("pointerup", () => { handHeld = false; }, true);
    document.addEventListener("pointercancel", () => { handHeld = false; }, true);
    box.addEventListener("keydown", (e) => { if (e.target.closest("#timeline-slider")) keyAt = performance.now(); }, true);
    box.__thumbWatch = new MutationObserver(() => {
      const pair = thumbs();
      if (!pair || !byHand() || same(pair, dragValue)) return;
      fm.followDrag(pair, sliderValue);
      if (fm.moveStripBand && !same(pair, sliderValue)) fm.moveStripBand(pair);
    });
    box.__thumbWatch.observe(box, {subtree: true, attributes: true, attributeFilter: ["aria-valuenow"]});
  }

  // components/map_panel.py: the model store arrived (once per data and filters).
  fm.windowModel = function (data, layers) {
    followThumbs();
    modelData = data;
    layersData = layers || [];
    if (data) decode(data);
    if (state.active && state.wanted) drawNow();  // a view of the old model must not be repainted
    return ns.no_update;
  };

  // A handle is dragged (followThumbs) — the map follows at once.
  fm.followDrag = function (drag, value) {
    watch();
    dragValue = drag;
    sliderValue = value;
    if (!drag || same(drag, value) || state.playing) return ns.no_update;
    request(drag);
    return ns.no_update;
  };

  // The slider's value settled (a handle released, a typed date, a link, playback's sync): the
  // overlay shows it until the server's figure of that window has landed.
  fm.windowSettled = function (value) {
    watch();
    sliderValue = value;
    state.settled = value;
    if (!state.active || state.playing) return ns.no_update;
    const gd = graph();
    const shows = gd && gd.layout && gd.layout.meta && gd.layout.meta.window;
    if (same(shows, value)) release();
    else request(value);
    return ns.no_update;
  };

  // ---- Playback: every animation frame in the browser; the rest of the page hears of it when it
  // stops (the map is then redrawn by the server, and the slider, numbers and lists follow). ----
    const moveBand = (window_) => fm.moveStripBand && fm.moveStripBand(window_);
  function frame(now) {
    const p = state.playing;
    if (!p) return;
    const days = Math.max(0, Math.floor(((now - p.t0) / 1000) * p.speed));  // a frame time can precede t0
    const [next, finished] = fm.shiftWindow(p.from, p.low, p.high, days, p.mode);
    if (!same(next, p.window)) {
      p.window = next;
      p.frames += 1;
      request(next);
      if (now - p.bandAt > 250) { p.bandAt = now; moveBand(next); }  // the strip's band: a few times a second
    }
    if (finished) {  // the next tick (at most a second away) stops the timer and settles the window
      fm.stopPlayback();
      state.finished = next;
      return;
    }
    p.raf = requestAnimationFrame(frame);
  }
  fm.startPlayback = function (from, low, high, speed, mode) {
    watch();
    fm.stopPlayback();
    state.finished = null;
    state.playing = {from, low, high, speed: speed || 7, mode, t0: performance.now(), window: from, frames: 0, bandAt: 0, raf: 0};
    state.playing.raf = requestAnimationFrame(frame);
  };
  fm.stopPlayback = function () {
    const p = state.playing;
    if (!p) return null;
    cancelAnimationFrame(p.raf);
    state.playing = null;
    state.settled = p.window;
    return p.window;
  };
  fm.settleCheck = afterPlot;
  fm.takeFinished = () => { const w = state.finished; state.finished = null; return w; };
  fm.playbackWindow = () => (state.playing ? state.playing.window : null);
  fm.playbackSpeed = function (speed) { if (state.playing && speed) {
    const p = state.playing;  // go on from where it is, at the new speed
    p.from = p.window; p.t0 = performance.now(); p.speed = speed;
  } };

  // For tests and benchmarks: the rules on any window, and the overlay's counters.
  fm.computeWindow = (first, last, hidden) => {
    const model = decode(currentModel());
    return model ? computeWindow(model, first, last, hidden || currentLayers()) : null;
  };
  fm.windowState = () => ({active: state.active, playing: Boolean(state.playing), frames: state.playing ? state.playing.frames : null, stats: Object.assign({}, state.stats)});
})();
