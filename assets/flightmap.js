/* Pure-UI behaviour that runs in the browser: playback ticks and keyboard shortcuts.
 * Everything lives under window.dash_clientside.flightmap; component ids match components/ids.py. */
(function () {
  "use strict";
  const ns = (window.dash_clientside = window.dash_clientside || {});
  const noUpdate = () => ns.no_update;
  const PLAY = "▶ Play";
  const PAUSE = "⏸ Pause";
  const SYNC_MS = 1000;  // while playback runs in the browser, the tick only looks for its end

  // Whole days per tick, and the tick length that makes `speed` days per second.
  const stepDays = (speed) => Math.max(1, Math.round(speed / 2));
  const tickMs = (speed) => Math.round((stepDays(speed) * 1000) / speed);

  function shiftWindow(value, low, high, step, mode) {
    let [start, end] = value;
    // The window's own days are always inside the bounds, and a step never goes back: bounds that
    // lag the window (set by another callback) must not cut it to one that ends before it starts.
    low = Math.min(low, start);
    high = Math.max(high, end);
    const length = end - start;
    end = Math.min(end + Math.max(step, 0), high);
    if (mode !== "growing") start = Math.max(low, end - length);
    return [[start, end], end >= high];
  }

  // The strip's window band (its first shape) moved to a window of days. Plotly.relayout of a
  // shape redraws the whole strip (0.5-1 s at 100k records in software WebGL, on every step of a
  // drag): the band's rectangle is moved in the SVG instead, and the layout told, so that the
  // strip's next drawing keeps it.
  function moveStripBand(window_) {
    const gd = document.querySelector("#timeline-strip .js-plotly-plot");
    if (!gd || !window.Plotly || !gd.layout || !(gd.layout.shapes || []).length) return;
    const iso = (day) => new Date(day * 86400000).toISOString().slice(0, 10);
    const x0 = iso(window_[0]), x1 = iso(window_[1] + 1);
    const xa = gd._fullLayout && gd._fullLayout.xaxis;
    const path = gd.querySelector('.shapelayer path[data-index="0"]');
    const rect = path && /^M([-\d.e]+),([-\d.e]+)H([-\d.e]+)V([-\d.e]+)H([-\d.e]+)Z$/.exec(path.getAttribute("d") || "");
    if (!xa || !rect || !xa.d2l || !xa.l2p) {
      window.Plotly.relayout(gd, {"shapes[0].x0": x0, "shapes[0].x1": x1});
      return;
    }
    const px = (day) => (xa._offset + xa.l2p(xa.d2l(day))).toFixed(2);
    path.setAttribute("d", `M${px(x0)},${rect[2]}H${px(x1)}V${rect[4]}H${px(x0)}Z`);
    gd.layout.shapes[0].x0 = x0; gd.layout.shapes[0].x1 = x1;
    const full = gd._fullLayout.shapes && gd._fullLayout.shapes[0];
    if (full) { full.x0 = x0; full.x1 = x1; }
  }

  // Plotly draws a new map's data once MapLibre has loaded the map's style, but a figure that
  // arrives before then is drawn at once: MapLibre throws "Style is not done loading" and later
  // fails its label placement (both seen on a busy machine, when figures follow each other on a
  // new page). Two guards, 10 s at most each:
  // - a figure for a map not loaded yet waits for the drawing before it (the one that made the
  //   map: drawn earlier, its data would land over the newer figure's); of the figures that
  //   arrive meanwhile only the last is drawn;
  // - any other redraw of a map whose style is loading (a resize, a relayout) waits for the style.
  const LOAD_WAIT_MS = 10000;
  const mapOf = (gd) => gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
  const styleLoaded = (map) => Boolean(map.style && map.style._loaded);
  const later = (ms) => new Promise((done) => setTimeout(done, ms));
  function untilTrue(test) {
    return new Promise((done) => {
      const started = Date.now();
      const poll = () => (test() || Date.now() - started > LOAD_WAIT_MS ? done() : setTimeout(poll, 50));
      poll();
    });
  }
  function guardMapUpdates(gd) {
    const subplot = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const proto = subplot && Object.getPrototypeOf(subplot);
    if (!proto || !proto.updateMap || proto.updateMap.waitsForTheStyle) return;
    const update = proto.updateMap;
    proto.updateMap = function (...args) {
      const map = this.map;
      if (!map || map._removed || styleLoaded(map)) return update.apply(this, args);
      untilTrue(() => map._removed || styleLoaded(map)).then(() => { if (!map._removed) proto.updateMap.apply(this, args); });
    };
    proto.updateMap.waitsForTheStyle = true;
  }
  // MapLibre places labels over several frames; a symbol layer Plotly replaces in between can
  // leave a tile's bucket pointing at a layer with no layout yet, and the placement throws
  // ("Cannot read properties of undefined (reading 'get')" in getBucketParts or
  // updateBucketOpacities, seen in CI when the map was redrawn as a dialog opened or the window
  // changed). Such a bucket is skipped: the next placement, one frame later, places its labels.
  function guardPlacement(map) {
    const style = map && map.style;
    const placement = style && (style.placement || (style.pauseablePlacement && style.pauseablePlacement.placement));
    const proto = placement && Object.getPrototypeOf(placement);
    if (!proto || !proto.getBucketParts || proto.getBucketParts.skipsUnreadyLayers) return;
    const parts = proto.getBucketParts;
    proto.getBucketParts = function (results, styleLayer, tile, ...rest) {
      const bucket = styleLayer && tile && tile.getBucket ? tile.getBucket(styleLayer) : null;
      const layer = bucket && bucket.layers && bucket.layers[0];
      if (bucket && (!layer || !layer.layout || !layer.paint)) return undefined;
      return parts.call(this, results, styleLayer, tile, ...rest);
    };
    proto.getBucketParts.skipsUnreadyLayers = true;
    // The same bucket is read again when the labels' opacities are updated after a placement.
    const opacities = proto.updateBucketOpacities;
    if (opacities) {
      proto.updateBucketOpacities = function (bucket, ...rest) {
        const layer = bucket && bucket.layers && bucket.layers[0];
        if (bucket && (!layer || !layer.layout || !layer.paint)) return undefined;
        return opacities.call(this, bucket, ...rest);
      };
    }
  }
  function holdFiguresUntilTheMapHasLoaded(Plotly) {
    const react = Plotly.react;
    if (!react || react.waitsForTheMap) return;
    const draw = (gd, figure) => {
      const drawing = react.call(Plotly, gd, ...figure);
      gd.lastDrawing = Promise.resolve(drawing).catch(() => {});
      guardMapUpdates(gd);
      gd.lastDrawing.then(() => guardPlacement(mapOf(gd)));
      return drawing;
    };
    const waiting = function (gd, ...figure) {
      guardMapUpdates(gd);
      const map = mapOf(gd);
      guardPlacement(map);
      if (!map || map._removed || (map._loaded && styleLoaded(map))) return draw(gd, figure);
      gd.heldFigure = figure;
      if (!gd.drawingHeld) {
        const ready = Promise.all([gd.lastDrawing, untilTrue(() => map._removed || (map._loaded && styleLoaded(map)))]);
        gd.drawingHeld = Promise.race([ready, later(LOAD_WAIT_MS)]).then(() => {
          const held = gd.heldFigure;
          gd.heldFigure = gd.drawingHeld = null;
          return draw(gd, held);
        });
      }
      return gd.drawingHeld;
    };
    waiting.waitsForTheMap = true;
    Plotly.react = waiting;
  }
  if (window.Plotly) {
    holdFiguresUntilTheMapHasLoaded(window.Plotly);
  } else {  // Dash loads plotly.js after the assets: catch it as it arrives
    let plotly;
    Object.defineProperty(window, "Plotly", {
      configurable: true,
      get: () => plotly,
      set: (value) => { plotly = value; if (value) holdFiguresUntilTheMapHasLoaded(value); },
    });
  }

  ns.flightmap = {
    stepDays, tickMs, shiftWindow, moveStripBand,

    // Playback runs every animation frame in the browser (assets/window_map.js); the tick only
    // notices its end, and the last frame or a pause settles the window for the rest of the page.
    togglePlay(_clicks, disabled, value, low, high, speed, mode) {
      const fm = ns.flightmap;
      if (!disabled) {
        const at = fm.stopPlayback ? fm.stopPlayback() : null;
        setTimeout(() => fm.settleCheck && fm.settleCheck(), 50);
        return [true, PLAY, at && !(at[0] === value[0] && at[1] === value[1]) ? at : noUpdate()];
      }
      // Playing from the end starts again from the beginning with the same window length.
      const restart = value[1] >= high ? [low, low + (value[1] - value[0])] : null;
      if (fm.startPlayback) fm.startPlayback(restart || value, low, high, speed || 7, mode);
      return [false, PAUSE, restart || noUpdate()];
    },

    // Only the last frame touches the button: a tick already under way when Pause is pressed
    // must not turn playback back on.
    playTick(_n, value, low, high, speed, mode) {
      const fm = ns.flightmap;
      if (fm.playbackWindow) {
        const differs = (w) => w && !(w[0] === value[0] && w[1] === value[1]);
        const last = fm.takeFinished();  // playback reached the end
        if (last) {
          setTimeout(() => fm.settleCheck && fm.settleCheck(), 50);
          return [differs(last) ? last : noUpdate(), true, PLAY];
        }
        // Still playing: the slider and the rest of the page are not told (at 100k flights their
        // update holds the page ~2 s, which would stall the frames); they follow on pause or end.
        return [noUpdate(), noUpdate(), noUpdate()];
      }
      const [next, finished] = shiftWindow(value, low, high, stepDays(speed || 7), mode);
      return finished ? [next, true, PLAY] : [next, noUpdate(), noUpdate()];
    },

    // The import preview is asked once per real change of the file or its controls, numbered per
    // page (components/import_panel.py): fix boxes that a preview draws arrive empty and are no
    // change, and neither is a file whose column matching has not arrived yet.
    previewAsked(file, columns, constants, order, picks, lats, lons, asked) {
      const inputs = (ns.callback_context && ns.callback_context.inputs_list) || [];
      const byId = (group) => (inputs[group] || []).map((item) => [JSON.stringify(item.id), item.value]);
      if (file && !file.track && !(columns || []).length) return noUpdate();
      if (!file && !asked) return noUpdate();  // nothing shown, nothing to clear
      const fileKey = file ? [file.name, (file.content || "").length, Boolean(file.track)] : null;
      const rest = JSON.stringify([fileKey, byId(1), byId(2), order]);
      const fixes = JSON.stringify([4, 5, 6].map((group) => byId(group).filter(([, value]) => value !== null && value !== undefined && value !== "")));
      if (asked && asked.rest === rest && asked.fixes === fixes) return noUpdate();
      const page = (asked && asked.page) || Math.random().toString(36).slice(2) + Date.now().toString(36);
      return {page, seq: ((asked && asked.seq) || 0) + 1, rest, fixes, byFixes: Boolean(asked && asked.rest === rest)};
    },

    tickInterval(speed) {
      if (ns.flightmap.playbackSpeed) {
        ns.flightmap.playbackSpeed(speed || 7);
        return SYNC_MS;
      }
      return tickMs(speed || 7);
    },

    // Move the window so that it ends on the next (dir 1) or previous (dir -1) event, and select it.
    stepEvent(step, value, low, high, eventDays) {
      if (!step || !eventDays || !eventDays.length) return [noUpdate(), noUpdate()];
      eventDays = eventDays.filter(([day]) => day >= low && day <= high);  // inside the detail span shown
      const end = value[1];
      const target = step.dir > 0
        ? eventDays.find(([day]) => day > end)
        : [...eventDays].reverse().find(([day]) => day < end);
      if (!target) return [noUpdate(), noUpdate()];
      const [day, id] = target;
      const length = value[1] - value[0];
      const newEnd = Math.min(Math.max(day, low + length), high);
      return [[newEnd - length, newEnd], {kind: "event", key: id, ids: ["event:" + id]}];
    },
  };

  // Days since 1970-01-01 (the slider's unit) <-> YYYY-MM-DD, in UTC like flightmap.timeline.
  const DAY_MS = 86400000;
  const isoDay = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
  function dayOf(text) {
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(text || ""));
    if (!match) return null;
    const day = Math.floor(Date.UTC(+match[1], +match[2] - 1, +match[3]) / DAY_MS);
    return isoDay(day) === match[0] ? day : null;  // 2023-02-30 is not a day
  }

  // components/timeline.py: the slider and the date pickers on the same window.
  ns.flightmap.syncWindow = function (value, startText, endText, low, high) {
    const triggered = ((ns.callback_context || {}).triggered || []).map((t) => t.prop_id);
    if (triggered.some((id) => id.startsWith("timeline-slider."))) {
      return [noUpdate(), isoDay(value[0]), isoDay(value[1])];
    }
    let start = dayOf(startText), end = dayOf(endText);
    if (start === null || end === null) return [noUpdate(), noUpdate(), noUpdate()];
    const length = value[1] - value[0];
    const clamp = (day) => Math.min(Math.max(day, low), high);
    start = clamp(start);
    end = clamp(end);
    if (start > end) {
      if (start !== value[0]) end = Math.min(start + length, high);  // the start was moved past the end
      else start = Math.max(end - length, low);
    }
    return [[start, end], isoDay(start), isoDay(end)];
  };

  // components/map_panel.py: the legend's buttons switch layers off and on (odd clicks: off).
  ns.flightmap.toggleLayers = function (clicks) {
    const inputs = ((ns.callback_context || {}).inputs_list || [[]])[0];
    const hidden = [], pressed = [], classes = [];
    inputs.forEach((input, i) => {
      const off = (clicks[i] || 0) % 2 === 1;
      if (off) hidden.push(input.id.layer);
      pressed.push(off ? "false" : "true");
      classes.push(off ? "legend-item off" : "legend-item");
    });
    return [hidden, pressed, classes];
  };

  // The map's box and the screen, for framing the map and sizing its text on the server.
  let lastSize = null;
  function mapSize() {
    const box = document.getElementById("route-map");
    if (!box) return null;
    const rect = box.getBoundingClientRect();
    return {w: Math.round(rect.width), h: Math.round(rect.height), vw: window.innerWidth, vh: window.innerHeight};
  }
  let sizeWatch = null;
  function watchMapSize() {
    // The graph's own element is replaced when its lazy bundle loads: watch the stable boxes
    // around it (the map area, and the caption that takes room from the map) and measure afresh.
    const area = document.querySelector(".map-area");
    if (!area || !window.ResizeObserver || sizeWatch) return;
    let timer = null;
    sizeWatch = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const size = mapSize();
        if (!size || !lastSize || !ns.set_props) return;
        const moved = Math.abs(size.w - lastSize.w) > 24 || Math.abs(size.h - lastSize.h) > 24 || size.vw !== lastSize.vw;
        if (moved && size.w > 0 && size.h > 0) {
          lastSize = size;
          ns.set_props("map-size", {data: size});
        }
      }, 200);
    });
    sizeWatch.observe(area);
    const caption = document.getElementById("story-caption");
    if (caption) sizeWatch.observe(caption);
  }
  // The events' glyphs (figures.event_traces' "event glyphs") sit on their discs whatever the
  // labels round them: drawn over them, and never pushing a callout or a place name away.
  // Plotly does not expose MapLibre's overlap settings; the layer is set after each drawing.
  function glyphsAlwaysShown(gd) {
    const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
    if (!map) return;
    (gd._fullData || []).filter((t) => t.name === "event glyphs").forEach((t) => {
      const id = `plotly-trace-layer-${t.uid}-symbol`;
      if (!map.getLayer(id)) return;
      map.setLayoutProperty(id, "text-allow-overlap", true);
      map.setLayoutProperty(id, "text-ignore-placement", true);
    });
    // Event callouts (figures.event_traces: one per group of co-located events, ranked) may sit
    // on any side of their disc, whichever is free, above right first (clear of the place name
    // airports write below right); they wrap at 16 ems, two short lines rather than a tall block.
    // The selected event's callout (the selection: a story step's records) is always drawn.
    (gd._fullData || []).forEach((t) => {
      const id = `plotly-trace-layer-${t.uid}-symbol`;
      const selectedLabel = t.name === "selected event label";
      if (!(selectedLabel || t.legendgroup === "events") || !map.getLayer(id)) return;
      const set = (name, value) => {
        if (JSON.stringify(map.getLayoutProperty(id, name)) !== JSON.stringify(value)) map.setLayoutProperty(id, name, value);
      };
      // Callouts near the frame's right edge (figures.LEFT_CALLOUTS) go to the left only: on
      // the right they would run off the map (MapLibre's placement ignores the frame's edges).
      set("text-variable-anchor", t.name === "event callouts, left"
        ? ["bottom-right", "top-right", "right"]
        : ["bottom-left", "top-left", "bottom-right", "top-right", "left", "right"]);
      set("text-radial-offset", 0.9);
      set("text-justify", "auto");
      set("text-max-width", 16);
      if (selectedLabel) set("text-allow-overlap", true);
      // A halo in the land's colour: a callout stays legible where a route runs under it.
      if (map.getPaintProperty(id, "text-halo-width") !== 1.6) {
        map.setPaintProperty(id, "text-halo-color", "#efece6");
        map.setPaintProperty(id, "text-halo-width", 1.6);
      }
    });
  }
  function watchGlyphs() {
    const gd = document.querySelector("#route-map .js-plotly-plot");
    if (!gd || gd.__glyphWatch || !gd.on) return;
    gd.__glyphWatch = true;
    gd.on("plotly_afterplot", () => glyphsAlwaysShown(gd));
    glyphsAlwaysShown(gd);
  }
  // components/timeline.py: the screen's part of the map's size, only when it changed.
  ns.flightmap.screenSize = function (size, shown) {
    if (!size || (shown && shown.vw === size.vw && shown.vh === size.vh)) return noUpdate();
    return {vw: size.vw, vh: size.vh};
  };
  ns.flightmap.measureMap = function (_applied) {
    lastSize = mapSize() || {w: 900, h: 600, vw: window.innerWidth, vh: window.innerHeight};
    watchMapSize();
    watchGlyphs();
    return Object.assign({}, lastSize);
  };

  // ---- The timeline's detail span (components/timeline.py). ----
  const HANDLE_ROOM = 56;  // px a window needs on the slider so that its two handles never overlap
  const sliderWidth = () => {
    const el = document.getElementById("timeline-slider");
    return el ? Math.max(el.getBoundingClientRect().width - 40, 100) : 800;
  };
  const sameSpan = (a, b) => Array.isArray(a) && Array.isArray(b) && a[0] === b[0] && a[1] === b[1];
  function clampSpan(lo, hi, low, high, least) {
    let length = Math.max(hi - lo, least || 7);
    length = Math.min(length, high - low);
    lo = Math.max(low, Math.min(lo, high - length));
    return [Math.round(lo), Math.round(lo + length)];
  }
  // The widest detail span in which `window` still gets HANDLE_ROOM px.
  const widestFor = (window_) => Math.floor((window_[1] - window_[0] + 1) * sliderWidth() / HANDLE_ROOM);

  // Slider marks for a detail span: years, months or weeks, as many as the slider has room for.
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function zoomMarks(lo, hi) {
    const room = Math.max(2, Math.floor(sliderWidth() / 78));
    const marks = {};
    const first = new Date(lo * DAY_MS);
    if (hi - lo > 75) {
      const steps = [1, 2, 3, 6, 12, 24, 60];
      const months = [];
      for (let y = first.getUTCFullYear(), m = first.getUTCMonth() + 1; ; m++) {
        const day = Math.floor(Date.UTC(y, m, 1) / DAY_MS);
        if (day > hi) break;
        months.push(day);
      }
      const index = (day) => { const d = new Date(day * DAY_MS); return d.getUTCFullYear() * 12 + d.getUTCMonth(); };
      const step = steps.find((s) => months.filter((d) => index(d) % s === 0).length <= room) || 60;
      months.filter((d) => index(d) % step === 0).forEach((day, i) => {
        const d = new Date(day * DAY_MS);
        marks[day] = d.getUTCMonth() === 0 || i === 0 ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` : MONTHS[d.getUTCMonth()];
      });
    } else {
      // Mondays, thinned to the room there is.
      let monday = lo + ((4 - lo) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; day 4 a Monday
      const weeks = [];
      for (; monday <= hi; monday += 7) weeks.push(monday);
      const every = Math.max(1, Math.ceil(weeks.length / room));
      weeks.filter((_, i) => i % every === 0).forEach((day) => {
        const d = new Date(day * DAY_MS);
        marks[day] = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
      });
    }
    // A label centred on a mark at the very end would stick out of the slider.
    const edge = (hi - lo) * 0.04;
    Object.keys(marks).forEach((day) => { if (day - lo < edge || hi - day < edge) delete marks[day]; });
    return marks;
  }

  ns.flightmap.applyZoom = function (zoom, low, high) {
    if (!zoom) return [noUpdate(), noUpdate(), noUpdate()];
    const gd = document.querySelector("#timeline-strip .js-plotly-plot");
    const range = [isoDay(zoom[0]), isoDay(zoom[1])];
    if (gd && window.Plotly && gd.layout && gd.layout.xaxis) {
      const shown = (gd.layout.xaxis.range || []).map((v) => dayOf(v));
      if (!sameSpan(shown, zoom)) window.Plotly.relayout(gd, {"xaxis.range": range});
    }
    const brush = document.getElementById("zoom-brush");
    if (brush && high > low) {
      brush.parentElement.dataset.low = low;  // for dragging the brush (watchOverview)
      brush.parentElement.dataset.high = high;
      watchOverview(brush.parentElement);
      brush.style.left = `${(100 * (zoom[0] - low) / (high - low)).toFixed(2)}%`;
      brush.style.width = `${(100 * (zoom[1] - zoom[0]) / (high - low)).toFixed(2)}%`;
    }
    return [zoom[0], zoom[1], zoomMarks(zoom[0], zoom[1])];
  };

  // The overview's brush is dragged (or the overview pressed where the span should be centred):
  // the strip is relaid out to the new span, exactly as a pan on the strip would be, and
  // stripZoomed then moves the slider's span and carries the window along.
  function watchOverview(bar) {
    if (bar.__dragWatch) return;
    bar.__dragWatch = true;
    const strip = () => document.querySelector("#timeline-strip .js-plotly-plot");
    let drag = null, queued = null, timer = null;
    const send = () => {
      timer = null;
      const gd = strip();
      if (queued && gd && window.Plotly) window.Plotly.relayout(gd, {"xaxis.range": [isoDay(queued[0]), isoDay(queued[1])]});
      queued = null;
    };
    const moveTo = (span, now) => {
      const low = Number(bar.dataset.low), high = Number(bar.dataset.high);
      const brush = bar.querySelector(".zoom-brush");
      brush.style.left = `${(100 * (span[0] - low) / (high - low)).toFixed(2)}%`;
      queued = span;
      if (now) { clearTimeout(timer); send(); } else if (!timer) timer = setTimeout(send, 120);  // the strip follows at ~8 fps
    };
    bar.addEventListener("pointerdown", (event) => {
      const gd = strip();
      const low = Number(bar.dataset.low), high = Number(bar.dataset.high);
      if (!gd || !gd.layout || !gd.layout.xaxis || !(high > low)) return;
      const shown = (gd.layout.xaxis.range || []).map((v) => dayOf(v));
      if (shown.some((d) => d === null)) return;
      const box = bar.getBoundingClientRect();
      const perPx = (high - low) / box.width;
      const length = shown[1] - shown[0];
      let start = shown[0];
      if (!event.target.closest(".zoom-brush")) {  // pressed beside the brush: centre the span there
        const day = low + (event.clientX - box.left) * perPx;
        start = clampSpan(day - length / 2, day + length / 2, low, high, length)[0];
        moveTo([start, start + length], false);
      }
      drag = {x: event.clientX, start, length, perPx, low, high};
      bar.setPointerCapture(event.pointerId);
      bar.classList.add("dragging");
      event.preventDefault();
    });
    bar.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const lo = drag.start + (event.clientX - drag.x) * drag.perPx;
      moveTo(clampSpan(lo, lo + drag.length, drag.low, drag.high, drag.length), false);
    });
    const end = (event) => {
      if (!drag) return;
      const lo = drag.start + (event.clientX - drag.x) * drag.perPx;
      moveTo(clampSpan(lo, lo + drag.length, drag.low, drag.high, drag.length), true);
      drag = null;
      bar.classList.remove("dragging");
    };
    bar.addEventListener("pointerup", end);
    bar.addEventListener("pointercancel", end);
  }

  // The strip was zoomed or panned: that is the new detail span. The window stays inside it:
  // moved along when it fits (panning past it carries it), cut to the span when it does not
  // (zooming into a long window focuses the map on the time shown).
  ns.flightmap.stripZoomed = function (relayout, zoom, value, low, high) {
    const none = [noUpdate(), noUpdate()];
    if (!relayout || !value) return none;
    let lo, hi;
    if (relayout["xaxis.range[0]"] !== undefined) [lo, hi] = [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]];
    else if (relayout["xaxis.range"]) [lo, hi] = relayout["xaxis.range"];
    else return none;
    lo = dayOf(lo); hi = dayOf(hi);
    if (lo === null || hi === null) return none;
    const next = clampSpan(lo, hi, low, high, 7);
    if (sameSpan(next, zoom)) return none;
    let [start, end] = value;
    const length = end - start;
    if (length >= next[1] - next[0]) { start = next[0]; end = next[1]; }
    else if (start < next[0]) { start = next[0]; end = start + length; }
    else if (end > next[1]) { end = next[1]; start = end - length; }
    // Never so wide that the window's handles meet.
    const widest = Math.max(widestFor([start, end]), 7);
    let zoomed = next;
    if (next[1] - next[0] > widest) {
      const mid = (start + end) / 2;
      zoomed = clampSpan(mid - widest / 2, mid + widest / 2, low, high, 7);
    }
    return [zoomed, start === value[0] && end === value[1] ? noUpdate() : [start, end]];
  };

  ns.flightmap.followWindow = function (value, zoom, low, high) {
    if (!value || !zoom) return noUpdate();
    let [lo, hi] = zoom;
    const length = value[1] - value[0];
    const margin = Math.max(3, Math.round(length * 0.08));
    if (value[0] < lo) lo = value[0] - margin;
    if (value[1] > hi) hi = value[1] + margin;
    const widest = Math.max(widestFor(value), length + 2 * margin);
    if (hi - lo > widest) {  // the handles would overlap: zoom in round the window
      const mid = (value[0] + value[1]) / 2;
      lo = mid - widest / 2; hi = mid + widest / 2;
    }
    const next = clampSpan(lo, hi, low, high, 7);
    return sameSpan(next, zoom) ? noUpdate() : next;
  };

  ns.flightmap.preset = function (_case, _month, _quarter, _all, value, low, high, caseSpan) {
    const which = (((ns.callback_context || {}).triggered || [])[0] || {}).prop_id || "";
    const clampWindow = (start, days) => {
      const s = Math.max(low, Math.min(start, high - days));
      return [s, Math.min(high, s + days)];
    };
    let window_, zoom;
    if (which.startsWith("preset-case")) {
      window_ = caseSpan.slice();
      const pad = Math.max(7, Math.round((caseSpan[1] - caseSpan[0]) * 0.05));
      zoom = [caseSpan[0] - pad, caseSpan[1] + pad];
    } else if (which.startsWith("preset-month")) {
      window_ = clampWindow(value[0], 30);
      zoom = [window_[0] - 30, window_[1] + 30];
    } else if (which.startsWith("preset-quarter")) {
      window_ = clampWindow(value[0], 91);
      zoom = [window_[0] - 45, window_[1] + 45];
    } else if (which.startsWith("preset-all")) {
      window_ = [low, high];
      zoom = [low, high];
    } else {
      return [noUpdate(), noUpdate()];
    }
    return [window_, clampSpan(zoom[0], zoom[1], low, high, 7)];
  };

  // How many traces a figure in the page has: 0 until it is drawn (components/timeline.py).
  ns.flightmap.traceCount = (figure) => (figure && figure.data ? figure.data.length : 0);

  // The view the server wrote (components/url_state.py) becomes the address: a new history
  // entry, as dcc.Location makes one whenever its search changes.
  ns.flightmap.writeAddress = function (written, current) {
    if (written === null || written === undefined || written === (current || "")) return noUpdate();
    ns.set_props("url", {search: written});
    return written;
  };

  // The address changed: from outside (a link, Back, Forward, a story step) it goes on to
  // the server; our own write (LAST_WRITTEN) coming back stops here.
  ns.flightmap.addressChanged = function (search, lastWritten) {
    if (lastWritten !== null && lastWritten !== undefined && (search || "") === lastWritten) return noUpdate();
    return {search: search || "", at: Date.now()};
  };

  // Copy the page's address (the whole view is in it). The clipboard API needs a secure
  // context (https or localhost); elsewhere fall back to selecting the text and copying it.
  ns.flightmap.copyLink = function (_clicks) {
    const link = window.location.href;
    const fallback = () => {
      const field = document.createElement("textarea");
      field.value = link;
      field.setAttribute("readonly", "");
      field.style.position = "fixed";
      field.style.opacity = "0";
      document.body.appendChild(field);
      field.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      field.remove();
      return ok ? "Link copied." : "Copy it from the address bar: " + link;
    };
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(link).then(() => "Link copied.", fallback);
    }
    return fallback();
  };

  function typingInto(target) {
    if (!target) return false;
    const tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable ||
      (target.closest && target.closest("[role=slider], .dash-dropdown, [role=combobox], .ag-root-wrapper"));
  }

  ns.flightmap.refit = function (_className) {
    // The map's box changed size (presenter mode): let Plotly and MapLibre fit it again.
    setTimeout(() => window.dispatchEvent(new Event("resize")), 60);
    return "";
  };

  const click = (id) => { const el = document.getElementById(id); if (el) el.click(); return Boolean(el); };
  const presenting = () => Boolean(document.querySelector(".app.presenting"));

  // ---- Dialogs (import, export): focus moves in, Tab stays in, Esc closes, focus returns. ----
  const DIALOGS = {
    "import-panel": {opener: "import-open", close: () => click("import-close")},
    "export-dialog": {opener: "export-toggle", close: () => setExportOpen(false)},
  };
  const returnTo = {};
  function setExportOpen(open) {
    if (!ns.set_props) return;
    ns.set_props("export-dialog", {hidden: !open});
    ns.set_props("export-toggle", {"aria-expanded": open ? "true" : "false"});
  }
  ns.flightmap.toggleExport = function (_clicks, hidden) {
    return [!hidden, hidden ? "true" : "false"];
  };
  ns.flightmap.closeExport = () => [true, "false"];
  function focusables(root) {
    const selector = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea, [tabindex]:not([tabindex="-1"])';
    return [...root.querySelectorAll(selector)].filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden");
  }
  function openDialog() {
    for (const id of Object.keys(DIALOGS)) {
      const el = document.getElementById(id);
      if (el && !el.hidden) return el;
    }
    return null;
  }
  function dialogShownOrHidden(el) {
    const spec = DIALOGS[el.id];
    if (!el.hidden) {
      const active = document.activeElement;
      returnTo[el.id] = active && active !== document.body && !el.contains(active) ? active : document.getElementById(spec.opener);
      if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
      el.focus();  // a screen reader reads the dialog's name; Tab goes on to its first control
    } else {
      const active = document.activeElement;
      if (!active || active === document.body || el.contains(active)) {
        const back = returnTo[el.id] && document.contains(returnTo[el.id]) ? returnTo[el.id] : document.getElementById(spec.opener);
        if (back) back.focus();
      }
    }
  }
  document.addEventListener("keydown", (event) => {
    const dialog = openDialog();
    if (!dialog) return;
    if (event.key === "Escape") {
      event.preventDefault(); event.stopImmediatePropagation();
      DIALOGS[dialog.id].close();
    } else if (event.key === "Tab") {
      const items = focusables(dialog);
      if (!items.length) { event.preventDefault(); dialog.focus(); return; }
      const first = items[0], last = items[items.length - 1], active = document.activeElement;
      if (!dialog.contains(active)) { event.preventDefault(); (event.shiftKey ? last : first).focus(); }
      else if (event.shiftKey && (active === first || active === dialog)) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
    }
  }, true);
  // A click outside the export menu closes it, as a menu does.
  document.addEventListener("click", (event) => {
    const menu = document.getElementById("export-dialog");
    if (menu && !menu.hidden && !event.target.closest(".export")) setExportOpen(false);
  });

  // ---- Names and states Dash 4's own controls leave out (checked by axe in the tests). ----
  const NAMES = {"play-speed": "Playback speed", "story-pick": "Story to present", "table-columns": "Table columns shown",
    "play-mode": "Playback window", "import-table": "The file holds"};
  // "05 Sep 2023", as the window label writes dates (the browser's en-GB would say "Sept").
  const DAY_LABEL = (day) => {
    const d = new Date(day * DAY_MS);
    return `${String(d.getUTCDate()).padStart(2, "0")} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  };
  function setAttr(el, name, value) {
    if (value === null) { if (el.hasAttribute(name)) el.removeAttribute(name); }
    else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }
  function controlName(id, el) {
    if (NAMES[id]) return NAMES[id];
    const label = id && document.querySelector(`label[for="${CSS.escape(id)}"]`);
    const text = label ? label.childNodes[0] && label.childNodes[0].textContent : el && el.closest("label") && el.closest("label").childNodes[0].textContent;
    return (text || "").trim();
  }
  function patchControls() {
    // Dropdowns: the hidden relay that takes Tab focus gets a name; the button says what it sets.
    document.querySelectorAll(".dash-dropdown-wrapper").forEach((wrap) => {
      const button = wrap.querySelector("button.dash-dropdown");
      if (!button) return;
      const name = controlName(button.id, wrap);
      const relay = wrap.querySelector(".dash-dropdown-focus-target");
      if (relay) { setAttr(relay, "aria-hidden", null); setAttr(relay, "aria-label", name); }
      // The whole visible text (values and "n selected"), so that what is seen is what is said.
      const value = button.textContent.replace(/\s+/g, " ").trim() || "none chosen";
      setAttr(button, "aria-labelledby", null);
      setAttr(button, "aria-label", `${name}: ${value}`);
    });
    // Radio items: a named radio group of plain radios, not a listbox of options holding inputs.
    document.querySelectorAll(".dash-radioitems").forEach((group) => {
      setAttr(group, "role", "radiogroup");
      setAttr(group, "aria-label", controlName(group.id, group));
      group.querySelectorAll("[role=option]").forEach((option) => { setAttr(option, "role", null); setAttr(option, "aria-selected", null); });
    });
    // The date fields' box is a group, not a button with a pop-up.
    document.querySelectorAll(".dash-datepicker-input-wrapper").forEach((box) => {
      ["aria-expanded", "aria-haspopup", "type", "aria-disabled"].forEach((a) => setAttr(box, a, null));
      setAttr(box, "role", "group");
    });
    // The window's handles read dates, not day numbers.
    document.querySelectorAll("#timeline-slider [role=slider]").forEach((thumb, i) => {
      setAttr(thumb, "aria-label", i === 0 ? "Window start" : "Window end");
      const day = Number(thumb.getAttribute("aria-valuenow"));
      if (Number.isFinite(day)) setAttr(thumb, "aria-valuetext", DAY_LABEL(day));
    });
    document.querySelectorAll("#import-upload input[type=file]").forEach((input) => setAttr(input, "aria-label", "Choose a file to import"));
    watchGlyphs();  // the map's graph is replaced when its bundle loads: hook the one there is now
  }
  let patchQueued = false;
  const queuePatch = () => {
    if (patchQueued) return;
    patchQueued = true;
    requestAnimationFrame(() => { patchQueued = false; patchControls(); });
  };
  function watchPage() {
    new MutationObserver((records) => {
      queuePatch();
      for (const record of records) {
        if (record.type === "attributes" && record.attributeName === "hidden" && DIALOGS[record.target.id]) dialogShownOrHidden(record.target);
      }
    }).observe(document.body, {subtree: true, childList: true, attributes: true,
      attributeFilter: ["aria-valuenow", "aria-expanded", "aria-hidden", "role", "aria-labelledby", "hidden"]});
    queuePatch();
  }
  if (document.body) watchPage(); else document.addEventListener("DOMContentLoaded", watchPage);

  // The slider's tooltips show the handle's date while it is dragged (dcc.RangeSlider tooltip.transform).
  window.dccFunctions = window.dccFunctions || {};
  window.dccFunctions.flightmapDay = (day) => DAY_LABEL(day);

  // Enter on a row of the records table opens its evidence, as a click on it does.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !ns.set_props || !event.target.closest) return;
    const row = event.target.closest("#records-table .ag-row");
    if (!row || !row.getAttribute("row-id")) return;
    event.preventDefault();
    ns.set_props("records-table", {cellClicked: {rowId: row.getAttribute("row-id"), colId: null, value: null, rowIndex: Number(row.getAttribute("row-index")), timestamp: Date.now()}});
  });

  // Presenter mode: arrows move between story steps, f toggles full screen, Esc leaves.
  document.addEventListener("keydown", (event) => {
    if (!presenting() || event.altKey || event.ctrlKey || event.metaKey || typingInto(event.target) || openDialog()) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") {
      event.preventDefault(); event.stopImmediatePropagation(); click("step-next");
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      event.preventDefault(); event.stopImmediatePropagation(); click("step-prev");
    } else if (event.key === "f" || event.key === "F") {
      event.preventDefault(); event.stopImmediatePropagation();
      if (document.fullscreenElement) document.exitFullscreen(); else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
    } else if (event.key === "Escape") {
      event.stopImmediatePropagation();
      if (document.fullscreenElement) document.exitFullscreen();
      click("present-exit");
    }
  }, true);

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typingInto(event.target)) return;
    if (!ns.set_props || openDialog()) return;
    // The map pans with the arrows when it has the focus: then they are the map's alone.
    if (event.target.closest && event.target.closest("#route-map, .map-legend, #marks-list")) return;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      ns.set_props("key-step", {data: {dir: event.key === "ArrowRight" ? 1 : -1, t: Date.now()}});
    } else if (event.key === " " && !(event.target && event.target.tagName === "BUTTON")) {
      const button = document.getElementById("play-button");
      if (button) {
        event.preventDefault();
        button.click();
      }
    }
  });
})();
