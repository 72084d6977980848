/* Resumable uploads (cases/resumable.py): the file goes in chunks, each with its SHA-256; a broken
   connection is retried and continues at the offset the server holds; the page shows a progress
   bar, the speed and the time left; the last request carries the whole file's SHA-256 (computed
   incrementally while the chunks go, so a several-GB video is never held in memory).
   No inline script: CSP. */
(function () {
  "use strict";
  var RETRY_SECONDS = [2, 4, 8, 15, 30, 60];
  var TEXT = (document.getElementById("case-files-text") || { dataset: {} }).dataset;

  // --- SHA-256, incremental (Web Crypto has no streaming digest) -------------------------------
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function Sha256() {
    this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Uint32Array(64);
    this.buffer = new Uint8Array(64);
    this.buffered = 0;
    this.length = 0;
  }
  Sha256.prototype.block = function (data, offset) {
    var w = this.w, h = this.h, i, t1, t2;
    for (i = 0; i < 16; i++) {
      w[i] = (data[offset + 4 * i] << 24) | (data[offset + 4 * i + 1] << 16) | (data[offset + 4 * i + 2] << 8) | data[offset + 4 * i + 3];
    }
    for (i = 16; i < 64; i++) {
      var x = w[i - 15], y = w[i - 2];
      var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (i = 0; i < 64; i++) {
      t1 = (k + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  };
  Sha256.prototype.update = function (bytes) {
    var i = 0, n = bytes.length;
    this.length += n;
    if (this.buffered) {
      while (this.buffered < 64 && i < n) { this.buffer[this.buffered++] = bytes[i++]; }
      if (this.buffered < 64) { return this; }
      this.block(this.buffer, 0);
      this.buffered = 0;
    }
    for (; i + 64 <= n; i += 64) { this.block(bytes, i); }
    while (i < n) { this.buffer[this.buffered++] = bytes[i++]; }
    return this;
  };
  Sha256.prototype.hex = function () {
    var bits = this.length * 8;
    var tail = new Uint8Array((this.buffered < 56 ? 64 : 128) - this.buffered);
    tail[0] = 0x80;
    var high = Math.floor(bits / 4294967296), low = bits >>> 0;
    var end = tail.length;
    tail[end - 8] = high >>> 24; tail[end - 7] = high >>> 16; tail[end - 6] = high >>> 8; tail[end - 5] = high;
    tail[end - 4] = low >>> 24; tail[end - 3] = low >>> 16; tail[end - 2] = low >>> 8; tail[end - 1] = low;
    var length = this.length;
    this.update(tail);
    this.length = length;
    var out = "";
    for (var i = 0; i < 8; i++) { out += ("00000000" + (this.h[i] >>> 0).toString(16)).slice(-8); }
    return out;
  };
  function hexOf(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) { out += ("0" + bytes[i].toString(16)).slice(-2); }
    return out;
  }
  function chunkDigest(bytes) {
    if (window.crypto && window.crypto.subtle) {
      return window.crypto.subtle.digest("SHA-256", bytes).then(hexOf);
    }
    return Promise.resolve(new Sha256().update(bytes).hex());
  }
  if (typeof module !== "undefined") { module.exports = { Sha256: Sha256 }; return; }

  // --- the page ------------------------------------------------------------------------------
  function size(bytes) {
    if (bytes >= 1073741824) { return (bytes / 1073741824).toFixed(2) + " GB"; }
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return (bytes / 1024).toFixed(1) + " KB"; }
    return bytes + " B";
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return (h ? h + ":" + ("0" + m).slice(-2) : m) + ":" + ("0" + s).slice(-2);
  }
  function csrf(form) { return form.querySelector("[name=csrfmiddlewaretoken]").value; }
  function showError(form, message) {
    var box = form.querySelector("[data-upload-error]");
    box.textContent = message || "";
    box.hidden = !message;
  }
  function readSlice(file, start, end) {
    return file.slice(start, end).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
  }
  function request(method, url, form, body, headers) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("X-CSRFToken", csrf(form));
      Object.keys(headers || {}).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.addEventListener("load", function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        if (!data) { reject({ network: true, login: xhr.responseURL && xhr.responseURL.indexOf("/login/") !== -1 }); return; }
        resolve({ status: xhr.status, data: data });
      });
      xhr.addEventListener("error", function () { reject({ network: true }); });
      xhr.addEventListener("timeout", function () { reject({ network: true }); });
      xhr.send(body);
    });
  }
  function wait(seconds) { return new Promise(function (resolve) { window.setTimeout(resolve, seconds * 1000); }); }

  function replaceSlot(slot, html) { return window.PortalSlots.replace(slot, html); }
  function poll(slot) { window.PortalSlots.poll(slot); }

  function Transfer(form, slot, file) {
    this.form = form; this.slot = slot; this.file = file;
    this.bar = form.querySelector("[data-progress]");
    this.label = form.querySelector("[data-progress-text]");
    this.button = form.querySelector("button[type=submit]");
    this.pauseButton = form.querySelector("[data-pause]");
    this.paused = false;
    this.samples = [];
  }
  Transfer.prototype.show = function (offset) {
    var percent = Math.floor(offset / this.file.size * 100);
    this.bar.value = percent;
    var now = Date.now();
    this.samples.push([now, offset]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 20000) { this.samples.shift(); }
    var first = this.samples[0], speed = 0;
    if (now > first[0]) { speed = (offset - first[1]) / ((now - first[0]) / 1000); }
    var left = speed > 0 ? duration((this.file.size - offset) / speed) : "—";
    this.label.textContent = TEXT.sending.replace("{percent}", percent).replace("{done}", size(offset))
      .replace("{total}", size(this.file.size)).replace("{speed}", size(Math.round(speed))).replace("{left}", left);
  };
  Transfer.prototype.start = function () {
    var self = this;
    self.bar.hidden = false; self.bar.value = 0; self.button.disabled = true;
    if (self.pauseButton) {
      self.pauseButton.hidden = false;
      self.pauseButton.onclick = function () { self.paused = true; };
    }
    var body = new FormData();
    body.append("name", self.file.name);
    body.append("size", String(self.file.size));
    return request("POST", self.form.action, self.form, body)
      .then(function (answer) {
        if (!answer.data.ok) { throw { message: answer.data.message }; }
        self.session = answer.data;
        self.hash = new Sha256();
        return self.catchUp(0, answer.data.offset);
      })
      .then(function () { return self.sendFrom(self.session.offset, 0); })
      .catch(function (problem) { self.fail(problem); });
  };
  // Hash the part the server already holds (a resumed upload) so the final checksum covers it all.
  Transfer.prototype.catchUp = function (from, to) {
    var self = this;
    if (from >= to) { return Promise.resolve(); }
    var end = Math.min(to, from + self.session.chunk_size);
    self.label.textContent = TEXT.hashing.replace("{percent}", Math.floor(from / to * 100));
    return readSlice(self.file, from, end).then(function (bytes) {
      self.hash.update(bytes);
      return self.catchUp(end, to);
    });
  };
  Transfer.prototype.sendFrom = function (offset, attempt) {
    var self = this;
    if (self.paused) { throw { message: TEXT.paused.replace("{percent}", Math.floor(offset / self.file.size * 100)), paused: true }; }
    if (offset >= self.file.size) { return self.finish(); }
    var end = Math.min(self.file.size, offset + self.session.chunk_size);
    var bytes;
    return readSlice(self.file, offset, end)
      .then(function (read) { bytes = read; return chunkDigest(bytes); })
      .then(function (digest) {
        return request("PUT", self.session.url, self.form, bytes, {
          "Content-Type": "application/octet-stream", "Upload-Offset": String(offset), "Upload-Chunk-SHA256": digest,
        });
      })
      .then(function (answer) {
        if (answer.data.ok) {
          self.hash.update(bytes);
          self.show(answer.data.offset);
          return self.sendFrom(answer.data.offset, 0);
        }
        if (answer.status === 409 && typeof answer.data.offset === "number" && answer.data.offset !== offset) {
          return self.resync(answer.data.offset);
        }
        if (answer.status === 422 && attempt < 3) { return self.sendFrom(offset, attempt + 1); }  // damaged on the way: send again
        throw { message: answer.data.message };
      }, function (problem) {
        if (problem && problem.login) { throw { message: TEXT.session }; }
        return self.retry(attempt);
      });
  };
  // The server holds a different offset (another tab, a lost answer): ask, re-hash, continue.
  Transfer.prototype.resync = function (offset) {
    var self = this;
    self.hash = new Sha256();
    return self.catchUp(0, offset).then(function () { return self.sendFrom(offset, 0); });
  };
  Transfer.prototype.retry = function (attempt) {
    var self = this;
    var seconds = RETRY_SECONDS[Math.min(attempt, RETRY_SECONDS.length - 1)];
    self.label.textContent = TEXT.retrying.replace("{seconds}", seconds);
    return wait(seconds)
      .then(function () { return request("GET", self.session.url, self.form, null); })
      .then(function (answer) {
        if (!answer.data.ok) { throw { message: answer.data.message }; }
        var offset = answer.data.offset;
        if (offset === self.hash.length) { return self.sendFrom(offset, attempt + 1); }
        return self.resync(offset);
      }, function () { return self.retry(attempt + 1); });
  };
  Transfer.prototype.finish = function () {
    var self = this;
    self.label.textContent = TEXT.processing;
    self.bar.value = 100;
    var body = new FormData();
    body.append("sha256", self.hash.hex());
    return request("POST", self.session.finish_url, self.form, body).then(function (answer) {
      if (!answer.data.ok) { throw { message: answer.data.message }; }
      var fresh = answer.data.html ? replaceSlot(self.slot, answer.data.html) : self.slot;
      var note = document.createElement("p");
      note.className = "message upload-message";
      note.setAttribute("role", "status");
      if (answer.data.upload) { note.setAttribute("data-upload-note", answer.data.upload); }
      note.textContent = answer.data.message;
      var head = fresh.querySelector(".slot-head");
      head.parentNode.insertBefore(note, head.nextSibling);
      window.PortalSlots.settle(fresh);
      poll(fresh);
    });
  };
  Transfer.prototype.fail = function (problem) {
    this.button.disabled = false;
    if (this.pauseButton) { this.pauseButton.hidden = true; }
    if (!(problem && problem.paused)) { this.bar.hidden = true; }
    this.label.textContent = problem && problem.paused ? problem.message : "";
    showError(this.form, problem && problem.paused ? "" : (problem && problem.message) || TEXT.failed);
  };

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-resumable-form]");
    if (!form) { return; }
    event.preventDefault();
    var slot = form.closest("[data-slot]");
    var input = form.querySelector("input[type=file]");
    var file = input.files && input.files[0];
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var accept = (form.getAttribute("data-accept") || "").split(",");
    if (!file) { showError(form, TEXT.choose); return; }
    var ext = "." + (file.name.split(".").pop() || "").toLowerCase();
    if (accept.length && accept.indexOf(ext) === -1) { showError(form, TEXT.type.replace("{accept}", accept.join("、"))); return; }
    if (file.size === 0) { showError(form, TEXT.empty); return; }
    if (limit && file.size > limit) { showError(form, TEXT.tooLarge.replace("{limit}", size(limit)).replace("{size}", size(file.size))); return; }
    showError(form, "");
    new Transfer(form, slot, file).start();
  });
  document.querySelectorAll("[data-slot]").forEach(poll);
})();
