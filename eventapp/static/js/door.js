// The door page: scans from a USB scanner, the camera or the keyboard go to the check-in API;
// the answer is shown big, heard, and listed. Scans made while the network is down wait in
// localStorage and are sent again under the same scan id, which the server answers once.
// Every text comes from the page (#door-config), in the staff member's language.
(function () {
  "use strict";
  var page = document.querySelector("[data-door-page]");
  var configElement = document.getElementById("door-config");
  if (!page || !configElement || !window.fetch) return;
  var config = JSON.parse(configElement.textContent);
  var T = config.texts;

  var QUEUE_KEY = "eventapp.door.waiting"; // localStorage: codes only, for every door
  var RECENT_KEY = "eventapp.door.recent"; // sessionStorage: names stay in this tab
  var SOUND_KEY = "eventapp.door.sound";
  var RECENT_SHOWN = 10;
  var RECENT_KEPT = 50;
  var RETRY_MS = 15000;
  var TIMEOUT_MS = 8000;
  var CAMERA_REPEAT_MS = 4000; // a badge held up in front of the camera is one scan
  var HAN = /[\u3400-\u9fff\uf900-\ufaff]/;
  var camera = { stream: null, timer: null, detector: null, lastCode: "", lastAt: 0 };

  var codeInput = page.querySelector("[data-code-input]");
  var scanForm = page.querySelector("[data-scan-form]");
  var banner = page.querySelector("[data-offline-banner]");
  var answer = page.querySelector("[data-answer]");
  var answerLive = page.querySelector("[data-answer-live]");
  var answerIcon = page.querySelector("[data-answer-icon]");
  var answerWord = page.querySelector("[data-answer-word]");
  var answerName = page.querySelector("[data-answer-name]");
  var answerLatin = page.querySelector("[data-answer-latin]");
  var answerOrganisation = page.querySelector("[data-answer-organisation]");
  var answerMessage = page.querySelector("[data-answer-message]");
  var undoButton = page.querySelector("[data-undo]");
  var recentList = page.querySelector("[data-recent]");
  var recentEmpty = page.querySelector("[data-recent-empty]");
  var soundToggle = page.querySelector("[data-sound-toggle]");
  var cameraButton = page.querySelector("[data-camera-toggle]");
  var cameraBox = page.querySelector("[data-camera]");
  var cameraVideo = page.querySelector("[data-camera-video]");
  var cameraMessage = page.querySelector("[data-camera-message]");
  var searchForm = page.querySelector("[data-search-form]");
  var searchInput = searchForm.querySelector("input[name=q]");
  var searchStatus = page.querySelector("[data-search-status]");
  var searchResults = page.querySelector("[data-search-results]");

  // ---- storage (private browsing may refuse it: then the page works without memory) ----

  function load(storage, key, fallback) {
    try {
      var value = JSON.parse(storage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function save(storage, key, value) {
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (e) { /* full or refused: keep going */ }
  }

  var local = window.localStorage;
  var tab = window.sessionStorage;

  function loadQueue() { return load(local, QUEUE_KEY, []); }
  function saveQueue(queue) { save(local, QUEUE_KEY, queue); }

  function enqueue(item) {
    var queue = loadQueue();
    if (!queue.some(function (q) { return q.scan_id === item.scan_id; })) {
      queue.push(item);
      saveQueue(queue);
    }
  }

  function dequeue(scanId) {
    saveQueue(loadQueue().filter(function (q) { return q.scan_id !== scanId; }));
  }

  // ---- ids, counted texts, times ----

  function newScanId() {
    var c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID(); // only on HTTPS and localhost
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function counted(forms, n) {
    return (n === 1 ? forms.one : forms.other).replace("{n}", String(n));
  }

  var timeFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat(config.language, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: config.timezone,
    });
  } catch (e) { /* an old browser: times from the device's clock as they are */ }

  function shortTime(iso) {
    var moment = new Date(iso);
    if (isNaN(moment)) return "";
    return timeFormat ? timeFormat.format(moment) : moment.toTimeString().slice(0, 5);
  }

  function setText(element, text) {
    element.textContent = text || "";
    element.hidden = !text;
  }

  function markLanguage(element, text) {
    if (text && HAN.test(text)) element.setAttribute("lang", "zh-CN");
    else element.removeAttribute("lang");
  }

  // ---- sound ----

  var audio = null;
  var SOUNDS = {
    ok: [[880, 0, 0.12, "sine", 0.3], [1320, 0.13, 0.18, "sine", 0.3]],
    warning: [[620, 0, 0.14, "triangle", 0.35], [620, 0.22, 0.14, "triangle", 0.35]],
    error: [[180, 0, 0.5, "square", 0.12]],
  };

  soundToggle.checked = load(local, SOUND_KEY, true) !== false;
  soundToggle.addEventListener("change", function () {
    save(local, SOUND_KEY, soundToggle.checked);
  });

  // Browsers start sound only after a key or a tap: get ready at the first one, so that
  // scans from the camera, which are no gesture, are heard too.
  function wakeAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!soundToggle.checked || !Context) return null;
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
    } catch (e) {
      return null;
    }
    return audio;
  }
  document.addEventListener("keydown", wakeAudio, true);
  document.addEventListener("pointerdown", wakeAudio, true);

  function play(kind) {
    if (!wakeAudio()) return;
    try {
      var start = audio.currentTime + 0.02;
      SOUNDS[kind].forEach(function (t) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.type = t[3];
        oscillator.frequency.value = t[0];
        gain.gain.setValueAtTime(0.0001, start + t[1]);
        gain.gain.exponentialRampToValueAtTime(t[4], start + t[1] + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + t[1] + t[2]);
        oscillator.connect(gain);
        gain.connect(audio.destination);
        oscillator.start(start + t[1]);
        oscillator.stop(start + t[1] + t[2] + 0.02);
      });
    } catch (e) { /* no sound is no reason to fail a check-in */ }
  }

  // ---- the answer panel ----

  // How each status looks (panel and list) and which sound it makes.
  var KIND = {
    ok: "ok", already_checked_in: "warning", not_registered: "error", waitlisted: "error",
    cancelled: "error", invalid: "error", error: "error", pending: "pending", sending: "idle",
    undone: "undone",
  };
  var SOUND_OF = { ok: "ok", warning: "warning", pending: "warning", error: "error" };

  var ICONS = { ok: "\u2713", warning: "!", error: "\u2715", pending: "\u21bb", idle: "" };

  function paint(kind, word, delegate, message) {
    answer.className = "answer answer-" + kind;
    void answer.offsetWidth; // restart the flash even when two answers look alike
    answer.classList.add("answer-new");
    answerIcon.textContent = ICONS[kind] || "";
    answerWord.textContent = word;
    var native = delegate && delegate.name_native;
    var main = delegate ? (native || delegate.latin_name || delegate.display_name) : "";
    setText(answerName, main);
    markLanguage(answerName, main);
    setText(answerLatin, native ? delegate.latin_name : "");
    var organisation = delegate
      ? [delegate.organisation, delegate.organisation_type_label].filter(Boolean).join(" · ")
      : "";
    setText(answerOrganisation, organisation);
    markLanguage(answerOrganisation, organisation);
    setText(answerMessage, message);
    undoButton.hidden = true;
    answerLive.removeAttribute("aria-busy");
  }

  var panelScanId = null; // the scan the panel shows: a waiting one is replaced by its answer

  function showSending(scanId) {
    panelScanId = scanId;
    answerLive.setAttribute("aria-busy", "true");
    answer.className = "answer answer-idle";
    answerIcon.textContent = "";
    answerWord.textContent = T.status.sending;
    [answerName, answerLatin, answerOrganisation, answerMessage].forEach(function (e) { setText(e, ""); });
    undoButton.hidden = true;
  }

  function showAnswer(result, scanId, code, quiet) {
    panelScanId = scanId;
    var kind = KIND[result.status] || "error";
    paint(kind, T.status[result.status] || result.status, result.delegate, result.message);
    if (!result.delegate) setText(answerLatin, code); // what was read, to check by eye
    if (result.status === "ok" && result.checkin_id) {
      undoButton.hidden = false;
      undoButton.disabled = false;
      undoButton.setAttribute("data-checkin-id", result.checkin_id);
      undoButton.setAttribute("data-scan-id", scanId);
    }
    if (!quiet) play(SOUND_OF[kind]);
  }

  function showProblem(kind, word, message) {
    paint(kind, word, null, message);
    play(SOUND_OF[kind]);
  }

  // ---- the list of the last scans ----

  function loadRecent() { return load(tab, RECENT_KEY, []); }

  function remember(entry) {
    var recent = loadRecent().filter(function (e) { return e.scan_id !== entry.scan_id; });
    recent.unshift(entry);
    save(tab, RECENT_KEY, recent.slice(0, RECENT_KEPT));
    renderRecent();
  }

  function updateRecent(scanId, changes) {
    var recent = loadRecent();
    recent.forEach(function (entry) {
      if (entry.scan_id !== scanId) return;
      Object.keys(changes).forEach(function (k) { entry[k] = changes[k]; });
    });
    save(tab, RECENT_KEY, recent);
    renderRecent();
  }

  function fromAnswer(result, replayedLater) {
    var d = result.delegate;
    return {
      status: result.status,
      name: d ? d.display_name : "",
      message: result.message,
      checkin_id: result.checkin_id,
      later: Boolean(replayedLater),
    };
  }

  function renderRecent() {
    var waiting = {};
    loadQueue().forEach(function (q) { waiting[q.scan_id] = true; });
    var shown = loadRecent().filter(function (e) { return e.door === config.door; }).slice(0, RECENT_SHOWN);
    recentList.textContent = "";
    shown.forEach(function (entry) {
      var status = waiting[entry.scan_id] ? "pending" : entry.status;
      var item = document.createElement("li");
      item.className = "recent-item recent-" + (KIND[status] || "idle");
      var time = document.createElement("time");
      time.dateTime = entry.at;
      time.textContent = shortTime(entry.at);
      var word = document.createElement("span");
      word.className = "recent-status";
      word.textContent = T.status[status] || status;
      var who = document.createElement("span");
      who.className = "recent-name";
      who.textContent = entry.name || entry.code;
      markLanguage(who, who.textContent);
      item.appendChild(time);
      item.appendChild(word);
      item.appendChild(who);
      var note = status === "pending" ? T.pending_item : entry.later ? T.replayed : "";
      if (note) {
        var small = document.createElement("span");
        small.className = "recent-note";
        small.textContent = note;
        item.appendChild(small);
      }
      recentList.appendChild(item);
    });
    recentEmpty.hidden = shown.length > 0;
  }

  // ---- talking to the server ----

  function request(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = options.headers || {};
    options.headers.Accept = "application/json";
    var controller = window.AbortController ? new AbortController() : null;
    if (controller) {
      options.signal = controller.signal;
      setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    }
    return fetch(url, options);
  }

  function firstError(body) {
    var errors = (body && body.errors) || {};
    var keys = Object.keys(errors);
    return keys.length ? String(errors[keys[0]][0] || "") : "";
  }

  // One of: {kind: "answer", result}, "refused" (with a message), "signed_out",
  // "server_error", "offline". Only an answer or a refusal settles a scan.
  function postScan(item) {
    return request(config.urls.checkins, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        code: item.code, session: item.door, scan_id: item.scan_id, scanned_at: item.scanned_at,
      }),
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (result) {
          return result && result.status ? { kind: "answer", result: result } : { kind: "offline" };
        });
      }
      if (response.status === 401 || response.status === 403) return { kind: "signed_out" };
      if (response.status === 400 || response.status === 422) {
        return response.json().then(firstError, function () { return ""; }).then(function (message) {
          return { kind: "refused", message: message };
        });
      }
      return { kind: "server_error" };
    }).catch(function () {
      return { kind: "offline" }; // no network, a timeout, or a portal page instead of JSON
    });
  }

  function settle(item, outcome, live) {
    if (outcome.kind === "answer") {
      dequeue(item.scan_id);
      updateRecent(item.scan_id, fromAnswer(outcome.result, !live));
      if (live || item.scan_id === panelScanId) {
        showAnswer(outcome.result, item.scan_id, item.code, !live);
      }
    } else if (outcome.kind === "refused") {
      dequeue(item.scan_id);
      updateRecent(item.scan_id, { status: "error", message: outcome.message });
      if (live) showProblem("error", T.status.error, T.refused + " " + outcome.message);
    } else {
      enqueue(item);
      updateRecent(item.scan_id, { status: "pending" });
      if (live) {
        var message = outcome.kind === "signed_out" ? T.signed_out
          : outcome.kind === "server_error" ? T.server_error : T.saved_offline;
        showProblem("pending", T.status.pending, message);
      }
      problem = outcome.kind;
    }
    updateBanner();
  }

  function submitScan(code) {
    code = (code || "").trim();
    if (!code) return;
    var item = {
      scan_id: newScanId(), code: code, door: config.door, scanned_at: new Date().toISOString(),
    };
    remember({ scan_id: item.scan_id, door: item.door, code: code, at: item.scanned_at, status: "sending" });
    showSending(item.scan_id);
    postScan(item).then(function (outcome) {
      settle(item, outcome, true);
      if (outcome.kind === "answer" && loadQueue().length) sendWaiting(); // the network is back
    });
  }

  // ---- scans waiting for the network ----

  var sending = false;
  var problem = null; // why the last send failed: "offline", "signed_out" or "server_error"

  function updateBanner() {
    var count = loadQueue().length;
    banner.hidden = count === 0;
    if (!count) {
      problem = null;
      return;
    }
    var text = counted(sending ? T.sending_banner : T.offline_banner, count);
    if (problem === "signed_out") text += " " + T.signed_out;
    if (banner.textContent !== text) banner.textContent = text;
  }

  function sendWaiting() {
    var waiting = loadQueue();
    if (sending || !waiting.length) {
      updateBanner();
      return;
    }
    sending = true;
    updateBanner();
    (function next(index) {
      if (index >= waiting.length) {
        sending = false;
        updateBanner();
        return;
      }
      var item = waiting[index];
      postScan(item).then(function (outcome) {
        if (outcome.kind === "answer" || outcome.kind === "refused") {
          settle(item, outcome, false);
          next(index + 1);
        } else {
          problem = outcome.kind; // still down: the timer tries again
          sending = false;
          updateBanner();
        }
      });
    })(0);
  }

  window.addEventListener("online", sendWaiting);
  window.addEventListener("storage", function (event) {
    if (event.key === QUEUE_KEY) {
      updateBanner();
      renderRecent();
    }
  });
  setInterval(sendWaiting, RETRY_MS);

  // ---- undo ----

  undoButton.addEventListener("click", function () {
    var checkinId = undoButton.getAttribute("data-checkin-id");
    var scanId = undoButton.getAttribute("data-scan-id");
    undoButton.disabled = true;
    request(config.urls.undo.replace("{id}", encodeURIComponent(checkinId)), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      updateRecent(scanId, { status: "undone", message: T.undone });
      answer.className = "answer answer-idle";
      answerIcon.textContent = "";
      answerWord.textContent = T.status.undone;
      setText(answerMessage, T.undone);
      undoButton.hidden = true;
    }).catch(function () {
      setText(answerMessage, T.undo_failed);
      undoButton.disabled = false;
    }).then(focusCode);
  });

  // ---- the code field keeps the focus, so a USB scanner can type at any time ----

  // Where a mouse is there is a keyboard or a scanner; on a phone or tablet alone, focusing
  // the field would only open the on-screen keyboard over the answer (or the camera).
  var hasMouse = !window.matchMedia || window.matchMedia("(any-pointer: fine)").matches;

  function focusCode() {
    if (camera.stream || !hasMouse) return;
    try {
      codeInput.focus({ preventScroll: true });
    } catch (e) {
      codeInput.focus();
    }
  }

  scanForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value;
    codeInput.value = "";
    submitScan(code);
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest && target.closest("input, button, a, select, textarea, label, summary, video")) return;
    var selection = window.getSelection && window.getSelection();
    if (selection && !selection.isCollapsed) return; // someone is copying text
    focusCode();
  });

  document.addEventListener("focusout", function () {
    setTimeout(function () {
      if (!document.activeElement || document.activeElement === document.body) focusCode();
    }, 0);
  });

  // ---- name search for a delegate without a badge ----

  var searchTimer = null;
  var searchNumber = 0;

  function runSearch() {
    var text = searchInput.value.trim();
    var number = ++searchNumber;
    if (!text) {
      searchResults.textContent = "";
      showSearchStatus("");
      return;
    }
    showSearchStatus(T.searching);
    request(config.urls.search + "?q=" + encodeURIComponent(text))
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        }, function () {
          return { ok: false, body: null }; // not JSON: a portal page, a proxy's error
        });
      })
      .then(function (answer) {
        if (number !== searchNumber) return;
        if (answer.ok) showResults(answer.body);
        else showSearchProblem(firstError(answer.body) || (answer.body && answer.body.message));
      })
      .catch(function () {
        if (number === searchNumber) showSearchProblem("");
      });
  }

  function showSearchStatus(text, isProblem) {
    searchStatus.textContent = text;
    searchStatus.classList.toggle("search-problem", Boolean(isProblem));
  }

  // The server's reason (e.g. a character that cannot be stored), else the general one.
  function showSearchProblem(message) {
    searchResults.textContent = "";
    showSearchStatus(message || T.search_failed, true);
  }

  function textSpan(className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text || "";
    markLanguage(span, text);
    return span;
  }

  // Only a confirmed seat here without a check-in gets the button; everyone else is told
  // in words why not (the colour and the icon repeat it).
  function resultItem(found) {
    var item = document.createElement("li");
    item.className = "result result-" + found.status;
    var name = textSpan("result-name", found.display_name);
    name.id = "result-" + found.id;
    item.appendChild(name);
    item.appendChild(textSpan("result-organisation", found.organisation));
    item.appendChild(textSpan("result-standing", found.standing));
    if (found.may_check_in) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button result-action";
      button.textContent = T.check_in;
      button.setAttribute("aria-describedby", name.id);
      button.addEventListener("click", function () {
        submitScan(found.checkin_code);
        searchInput.value = "";
        searchResults.textContent = "";
        showSearchStatus("");
        focusCode();
      });
      item.appendChild(button);
    }
    return item;
  }

  function resultList(results) {
    var list = document.createElement("ul");
    list.className = "search-results";
    results.forEach(function (found) { list.appendChild(resultItem(found)); });
    return list;
  }

  function showResults(body) {
    searchResults.textContent = "";
    var results = body.results || [];
    var status = results.length ? counted(T.results, body.total) : T.no_results;
    if (body.total > results.length) status += " " + T.more_results;
    showSearchStatus(status);
    // The server lists the delegates this door admits first.
    var admitted = results.filter(function (found) { return found.admitted; });
    var others = results.filter(function (found) { return !found.admitted; });
    if (admitted.length) searchResults.appendChild(resultList(admitted));
    if (others.length) {
      var heading = document.createElement("h3");
      heading.className = "search-others";
      heading.textContent = T.others;
      searchResults.appendChild(heading);
      searchResults.appendChild(resultList(others));
    }
  }

  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(searchTimer);
    runSearch();
  });

  searchInput.addEventListener("input", function (event) {
    if (event.isComposing) return; // a Chinese input method is still choosing characters
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 300);
  });
  searchInput.addEventListener("compositionend", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 300);
  });

  // ---- camera: the browser's BarcodeDetector, else the polyfill served from /static/vendor ----

  var detectorPromise = null;

  function nativeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return Promise.resolve(window.BarcodeDetector.getSupportedFormats())
      .then(function (formats) {
        return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
      })
      .catch(function () { return null; });
  }

  function polyfillDetector() {
    return import(config.urls.reader).then(function (reader) {
      var ready = reader.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return /\.wasm$/.test(path) ? config.urls.reader_wasm : prefix + path;
          },
        },
        fireImmediately: true,
      });
      return Promise.resolve(ready).then(function () {
        return new reader.BarcodeDetector({ formats: ["qr_code"] });
      });
    });
  }

  function qrDetector() {
    if (!detectorPromise) {
      detectorPromise = nativeDetector().then(function (found) { return found || polyfillDetector(); });
      detectorPromise.catch(function () { detectorPromise = null; });
    }
    return detectorPromise;
  }

  function say(text) {
    cameraMessage.textContent = text;
  }

  function cameraProblem(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") return T.camera_refused;
    if (name === "NotFoundError" || name === "OverconstrainedError") return T.camera_not_found;
    return T.camera_failed;
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(T.camera_missing);
      return;
    }
    cameraButton.disabled = true;
    var streamPromise = navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } }, audio: false,
    });
    streamPromise.then(function (stream) {
      return qrDetector().then(function (detector) {
        camera.stream = stream;
        camera.detector = detector;
        cameraVideo.srcObject = stream;
        cameraBox.hidden = false;
        cameraButton.textContent = T.camera_stop;
        cameraButton.setAttribute("aria-expanded", "true");
        say(T.camera_on);
        var playing = cameraVideo.play();
        if (playing && playing.catch) playing.catch(function () {});
        readFrame();
      }, function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        say(T.reader_failed);
      });
    }, function (error) {
      say(cameraProblem(error));
    }).then(function () {
      cameraButton.disabled = false;
    });
  }

  function stopCamera() {
    clearTimeout(camera.timer);
    if (camera.stream) camera.stream.getTracks().forEach(function (track) { track.stop(); });
    camera.stream = null;
    cameraVideo.srcObject = null;
    cameraBox.hidden = true;
    cameraButton.textContent = T.camera_start;
    cameraButton.setAttribute("aria-expanded", "false");
    say("");
  }

  function readFrame() {
    if (!camera.stream) return;
    var again = function () {
      if (camera.stream) camera.timer = setTimeout(readFrame, 150);
    };
    if (cameraVideo.readyState < 2) {
      again();
      return;
    }
    camera.detector.detect(cameraVideo).then(function (codes) {
      var value = codes.length ? codes[0].rawValue : "";
      if (!value) return;
      var now = Date.now();
      var repeat = value === camera.lastCode && now - camera.lastAt < CAMERA_REPEAT_MS;
      camera.lastCode = value;
      camera.lastAt = now;
      if (!repeat) submitScan(value);
    }).catch(function () { /* a frame that could not be read: take the next */ }).then(again);
  }

  cameraButton.addEventListener("click", function () {
    if (camera.stream) stopCamera();
    else startCamera();
  });

  document.addEventListener("visibilitychange", function () {
    if (document.hidden && camera.stream) stopCamera(); // free the camera for other apps
    if (!document.hidden) sendWaiting();
  });

  // ---- start ----

  renderRecent();
  sendWaiting();
  if (!codeInput.matches(":focus")) focusCode();
})();
