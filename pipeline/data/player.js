/*! essaycast read-along player: one file, no dependencies, works offline and from any origin.
 *
 *   <script src="https://you.example/show/player.js" defer></script>
 *   <essaycast-player src="https://you.example/show/episodes/SLUG.json"></essaycast-player>
 *   (or <div data-essaycast-player="https://you.example/show/episodes/SLUG.json"></div>)
 *
 * It fetches the episode's read-along JSON (written by `essaycast build`), plays the
 * audio named in it (relative to the JSON), shows the text with the word being read
 * highlighted (the sentence, for episodes without word timings) and seeks where a word
 * is clicked. Keys, with focus in the player: space or k play/pause; left/right arrows
 * 5 s; j/l 15 s; Home/End; < and > the speed. The position is remembered per episode
 * (localStorage). Style it with the --essaycast-* custom properties; it takes the page's
 * fonts and colours. Markup already inside the element (index.html's transcript) is the
 * fallback: shown without JavaScript, and read as sentences when the JSON cannot be
 * fetched (a page opened from file://).
 */
(function () {
  'use strict';
  if (window.EssaycastPlayer) return; // the script included twice on one page
  var SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var STEP = 5, BIG_STEP = 15, SAME = 0.001;
  var CSS = [
    '.essaycast{--_accent:var(--essaycast-accent,currentColor);',
    '--_hl-bg:var(--essaycast-highlight-bg,#ffe27a);--_hl-fg:var(--essaycast-highlight-fg,#1d1c1a);',
    '--_line:var(--essaycast-border,rgba(127,127,127,.45));',
    'font:inherit;color:inherit;border:1px solid var(--_line);',
    'border-radius:var(--essaycast-radius,.5rem);padding:.75rem;margin:1rem 0;',
    'background:var(--essaycast-bg,transparent)}',
    '.essaycast *{box-sizing:border-box}',
    '.essaycast-title{font-weight:600;margin:0 0 .5rem}',
    '.essaycast-bar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}',
    '.essaycast button,.essaycast select{font:inherit;color:inherit;background:transparent;',
    'border:1px solid var(--_line);border-radius:.35rem;padding:.3rem .6rem;cursor:pointer}',
    '.essaycast button:focus-visible,.essaycast select:focus-visible,.essaycast input:focus-visible,',
    '.essaycast-text:focus-visible{outline:2px solid var(--_accent);outline-offset:2px}',
    '.essaycast-play{min-width:4.5rem;font-weight:600}',
    '.essaycast-seek{flex:1 1 8rem;min-width:6rem;accent-color:var(--essaycast-accent,auto)}',
    '.essaycast-time{font-variant-numeric:tabular-nums;white-space:nowrap}',
    '.essaycast-chapters{margin:.6rem 0 0}',
    '.essaycast-chapters ol{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.3rem}',
    '.essaycast-chapters button[aria-current=true]{background:var(--_hl-bg);color:var(--_hl-fg)}',
    '.essaycast-text{max-height:var(--essaycast-text-height,24rem);overflow-y:auto;margin-top:.6rem;',
    'padding:.2rem .4rem;line-height:1.6}',
    '.essaycast-text p{margin:0 0 .8em}',
    '.essaycast-text .essaycast-h{font-weight:600;margin:.6em 0 .3em}',
    '.essaycast-text [data-start]{cursor:pointer;border-radius:.2em}',
    '.essaycast-text [data-start]:hover{text-decoration:underline}',
    '.essaycast-text .essaycast-now{background:var(--_hl-bg);color:var(--_hl-fg);',
    'transition:background-color .12s}',
    '.essaycast-error{margin:.4rem 0 0}',
    '@media (prefers-reduced-motion:reduce){.essaycast *{transition:none!important;',
    'scroll-behavior:auto!important}}'
  ].join('');

  function style() {
    if (document.getElementById('essaycast-player-style')) return;
    var s = document.createElement('style');
    s.id = 'essaycast-player-style';
    s.textContent = CSS;
    (document.head || document.documentElement).appendChild(s);
  }

  function make(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function clock(t) {
    t = Math.max(0, Math.floor(t || 0));
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    var ss = (s < 10 ? '0' : '') + s;
    return h ? h + ':' + (m < 10 ? '0' : '') + m + ':' + ss : m + ':' + ss;
  }

  function spoken(t) { // for screen readers: "1 minute 5 seconds"
    t = Math.max(0, Math.floor(t || 0));
    var m = Math.floor(t / 60), s = t % 60, out = [];
    if (m) out.push(m + (m === 1 ? ' minute' : ' minutes'));
    out.push(s + (s === 1 ? ' second' : ' seconds'));
    return out.join(' ');
  }

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, String(value));
    } catch (e) { /* storage off (private mode, sandboxed frame): nothing remembered */ }
  }

  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  // The last index whose start is at or before t (-1 before the first).
  function find(starts, t) {
    var lo = 0, hi = starts.length - 1, at = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + SAME) { at = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return at;
  }

  // index.html's own markup as a read-along document: its sentences and chapters.
  function fromMarkup(host) {
    var audio = host.querySelector('audio[src]');
    if (!audio) return null;
    var lines = host.querySelectorAll('[data-start]:not(button)');
    var marks = host.querySelectorAll('button[data-start]');
    var chapters = Array.prototype.map.call(marks, function (b) {
      var time = b.querySelector('time');
      return {start: parseFloat(b.dataset.start),
              title: b.textContent.slice(time ? time.textContent.length : 0)};
    });
    var sentences = Array.prototype.map.call(lines, function (p, i) {
      var time = p.querySelector('time');
      var next = lines[i + 1];
      return {start: parseFloat(p.dataset.start),
              end: next ? parseFloat(next.dataset.start) : Infinity,
              text: p.textContent.slice(time ? time.textContent.length : 0)};
    });
    var paragraphs = [];
    sentences.forEach(function (s) {
      var breaks = !paragraphs.length || chapters.some(function (c) {
        return c.start > 0 && Math.abs(c.start - s.start) < SAME;
      });
      if (breaks) paragraphs.push([]);
      paragraphs[paragraphs.length - 1].push(s);
    });
    return {title: '', audio: audio.getAttribute('src'), base: document.baseURI,
            timing: 'sentence', chapters: chapters, paragraphs: paragraphs};
  }

  function load(host) {
    var src = host.getAttribute('src') || host.getAttribute('data-essaycast-player');
    var fallback = function (error) {
      var doc = fromMarkup(host);
      if (doc) return doc;
      throw error;
    };
    if (!src) return Promise.resolve().then(function () { return fallback(new Error('no src')); });
    var url;
    try { url = new URL(src, document.baseURI).href; } catch (e) { return Promise.reject(e); }
    if (!window.fetch) return Promise.resolve().then(function () { return fallback(new Error('no fetch')); });
    return fetch(url, {credentials: 'omit'}).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(function (doc) {
      if (!doc || !doc.paragraphs || !doc.audio) throw new Error('not a read-along document');
      doc.base = url;
      return doc;
    }).catch(fallback);
  }

  function Player(host, doc) {
    var self = this;
    this.doc = doc;
    var title = doc.title || '';
    var root = make('div', {'class': 'essaycast', role: 'region',
                            'aria-label': title ? 'Listen: ' + title : 'Listen along'});
    this.root = root;
    var audio = make('audio', {preload: 'metadata'});
    audio.src = new URL(doc.audio, doc.base).href;
    this.audio = audio;
    root.appendChild(audio);
    if (title && !host.hasAttribute('no-title') && !host.hasAttribute('data-no-title')) {
      root.appendChild(make('p', {'class': 'essaycast-title', dir: 'auto'}, title));
    }

    var bar = make('div', {'class': 'essaycast-bar'});
    var play = make('button', {type: 'button', 'class': 'essaycast-play', 'aria-label': 'Play'}, 'Play');
    var back = make('button', {type: 'button', 'aria-label': 'Back ' + BIG_STEP + ' seconds'}, '−' + BIG_STEP);
    var fwd = make('button', {type: 'button', 'aria-label': 'Forward ' + BIG_STEP + ' seconds'}, '+' + BIG_STEP);
    var seek = make('input', {type: 'range', 'class': 'essaycast-seek', min: '0', step: '0.1',
                              value: '0', max: String(doc.duration || 0), 'aria-label': 'Position'});
    var time = make('span', {'class': 'essaycast-time'}, '0:00 / ' + clock(doc.duration));
    var speedId = 'essaycast-speed-' + Player.count;
    var speedLabel = make('label', {'for': speedId}, 'Speed ');
    var speed = make('select', {id: speedId, 'class': 'essaycast-speed'});
    SPEEDS.forEach(function (v) {
      var o = make('option', {value: String(v)}, v + '×');
      if (v === 1) o.selected = true;
      speed.appendChild(o);
    });
    speedLabel.appendChild(speed);
    [play, back, seek, fwd, time, speedLabel].forEach(function (e) { bar.appendChild(e); });
    root.appendChild(bar);

    // chapters, and the text with a span a word (or a sentence)
    var chapters = doc.chapters || [];
    this.marks = [];
    if (chapters.length > 1) {
      var nav = make('nav', {'class': 'essaycast-chapters',
                             'aria-label': 'Chapters' + (title ? ' of ' + title : '')});
      var list = make('ol');
      chapters.forEach(function (c) {
        var b = make('button', {type: 'button', 'data-chapter': String(c.start), dir: 'auto'},
                     clock(c.start) + ' ' + (c.title || ''));
        b.addEventListener('click', function () { self.seek(c.start, true); });
        var li = make('li');
        li.appendChild(b);
        list.appendChild(li);
        self.marks.push(b);
      });
      nav.appendChild(list);
      root.appendChild(nav);
    }
    var text = make('div', {'class': 'essaycast-text', tabindex: '0', role: 'region',
                            'aria-label': 'Transcript' + (title ? ' of ' + title : '')});
    var starts = [], units = [], words = doc.timing === 'word';
    var nextChapter = 1;
    (doc.paragraphs || []).forEach(function (sentences) {
      var first = sentences[0], heading = false;
      while (first && nextChapter < chapters.length &&
             chapters[nextChapter].start <= first.start + SAME) {
        var name = chapters[nextChapter].title;
        // a heading read aloud is its own paragraph already: shown as the heading
        if (sentences.length === 1 && first.text === name) heading = true;
        else if (name) text.appendChild(make('p', {'class': 'essaycast-h', dir: 'auto'}, name));
        nextChapter++;
      }
      var p = make('p', {dir: 'auto', 'class': heading ? 'essaycast-h' : null});
      sentences.forEach(function (s, i) {
        if (i) p.appendChild(document.createTextNode(' '));
        if (words && s.words && s.words.length) {
          var span = make('span', {'class': 'essaycast-s'});
          s.words.forEach(function (w, j) {
            if (j) span.appendChild(document.createTextNode(' '));
            var e = make('span', {'data-start': String(w[0]), 'data-end': String(w[1])}, w[2]);
            span.appendChild(e);
            starts.push(w[0]);
            units.push(e);
          });
          p.appendChild(span);
        } else {
          var e = make('span', {'class': 'essaycast-s', 'data-start': String(s.start),
                                'data-end': String(s.end)}, s.text);
          p.appendChild(e);
          starts.push(s.start);
          units.push(e);
        }
      });
      text.appendChild(p);
    });
    root.appendChild(text);
    this.text = text;
    this.starts = starts;
    this.units = units;
    this.chapterStarts = chapters.map(function (c) { return c.start; });
    this.now = -1;
    this.mark = -1;

    // what the listener does
    play.addEventListener('click', function () { self.toggle(); });
    back.addEventListener('click', function () { self.seek(audio.currentTime - BIG_STEP); });
    fwd.addEventListener('click', function () { self.seek(audio.currentTime + BIG_STEP); });
    seek.addEventListener('input', function () { self.seek(parseFloat(seek.value)); });
    speed.addEventListener('change', function () { audio.playbackRate = parseFloat(speed.value); });
    text.addEventListener('click', function (event) {
      var target = event.target.closest ? event.target.closest('[data-start]') : null;
      if (target && text.contains(target)) self.seek(parseFloat(target.getAttribute('data-start')), true);
    });
    root.addEventListener('keydown', function (event) { self.key(event); });

    // what the audio does
    var key = 'essaycast:position:' + doc.base;
    var saved = 0;
    audio.addEventListener('loadedmetadata', function () {
      if (isFinite(audio.duration)) seek.max = String(audio.duration);
      var at = parseFloat(stored(key));
      if (at > 3 && at < audio.duration - 3 && audio.currentTime < 0.5) audio.currentTime = at;
      self.update();
    });
    audio.addEventListener('play', function () {
      play.textContent = 'Pause';
      play.setAttribute('aria-label', 'Pause');
      self.loop();
    });
    audio.addEventListener('pause', function () {
      play.textContent = 'Play';
      play.setAttribute('aria-label', 'Play');
      store(key, audio.currentTime);
      self.update();
    });
    audio.addEventListener('ended', function () { store(key, null); });
    audio.addEventListener('timeupdate', function () {
      self.update();
      if (Math.abs(audio.currentTime - saved) >= 2) { saved = audio.currentTime; store(key, saved); }
    });
    audio.addEventListener('seeked', function () { self.update(); });
    audio.addEventListener('ratechange', function () {
      speed.value = String(audio.playbackRate);
      store('essaycast:rate', audio.playbackRate);
    });
    var rate = parseFloat(stored('essaycast:rate'));
    if (SPEEDS.indexOf(rate) >= 0) { audio.playbackRate = rate; audio.defaultPlaybackRate = rate; speed.value = String(rate); }
    this.controls = {play: play, seek: seek, time: time, speed: speed};

    // the element's own markup stays for a page without JavaScript; the player replaces it
    Array.prototype.forEach.call(host.children, function (child) { child.hidden = true; });
    host.appendChild(root);
    Player.count++;
  }
  Player.count = 0;

  Player.prototype.toggle = function () {
    if (this.audio.paused) {
      var p = this.audio.play();
      if (p && p.catch) p.catch(function () { /* blocked until a click: the button says Play */ });
    } else {
      this.audio.pause();
    }
  };

  Player.prototype.seek = function (t, andPlay) {
    var end = isFinite(this.audio.duration) ? this.audio.duration : (this.doc.duration || t);
    this.audio.currentTime = Math.max(0, Math.min(t, end));
    this.update();
    if (andPlay && this.audio.paused) this.toggle();
  };

  Player.prototype.key = function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = event.target.tagName;
    var field = tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA';
    var k = event.key, a = this.audio;
    if (k === ' ' || k === 'Spacebar') {
      if (field || tag === 'BUTTON') return; // the control's own space
      this.toggle();
    } else if (k === 'k' || k === 'K') {
      if (field) return;
      this.toggle();
    } else if (k === 'ArrowLeft' || k === 'ArrowRight') {
      if (field) return; // the slider and the menu move themselves
      this.seek(a.currentTime + (k === 'ArrowLeft' ? -STEP : STEP));
    } else if (k === 'j' || k === 'l') {
      if (field) return;
      this.seek(a.currentTime + (k === 'j' ? -BIG_STEP : BIG_STEP));
    } else if (k === 'Home' || k === 'End') {
      if (field) return;
      this.seek(k === 'Home' ? 0 : (isFinite(a.duration) ? a.duration : this.doc.duration || 0));
    } else if (k === '<' || k === '>') {
      var i = SPEEDS.indexOf(a.playbackRate);
      if (i < 0) i = 1;
      a.playbackRate = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i + (k === '<' ? -1 : 1)))];
    } else {
      return;
    }
    event.preventDefault();
  };

  // While playing, follow every frame: timeupdate alone comes about 4 times a second.
  Player.prototype.loop = function () {
    var self = this;
    if (this.looping) return;
    this.looping = true;
    var step = function () {
      self.update();
      if (self.audio.paused || self.audio.ended) { self.looping = false; return; }
      window.requestAnimationFrame(step);
    };
    window.requestAnimationFrame(step);
  };

  Player.prototype.update = function () {
    var a = this.audio, t = a.currentTime;
    var c = this.controls;
    if (document.activeElement !== c.seek) c.seek.value = String(t);
    var total = isFinite(a.duration) ? a.duration : this.doc.duration;
    var shown = clock(t) + ' / ' + clock(total);
    if (c.time.textContent !== shown) {
      c.time.textContent = shown;
      c.seek.setAttribute('aria-valuetext', spoken(t) + ' of ' + spoken(total));
    }
    var i = find(this.starts, t);
    if (i !== this.now) {
      if (this.now >= 0) {
        this.units[this.now].classList.remove('essaycast-now');
        this.units[this.now].removeAttribute('aria-current');
      }
      this.now = i;
      if (i >= 0) {
        var e = this.units[i];
        e.classList.add('essaycast-now');
        e.setAttribute('aria-current', 'true');
        this.reveal(e);
      }
    }
    var m = find(this.chapterStarts, t);
    if (m !== this.mark && this.marks.length) {
      if (this.mark >= 0) this.marks[this.mark].removeAttribute('aria-current');
      this.mark = m;
      if (m >= 0) this.marks[m].setAttribute('aria-current', 'true');
    }
  };

  // Keep the word being read in view inside the text box (never scrolls the page).
  Player.prototype.reveal = function (e) {
    var box = this.text;
    if (box.scrollHeight <= box.clientHeight) return;
    var top = e.offsetTop - box.offsetTop;
    if (top >= box.scrollTop && top + e.offsetHeight <= box.scrollTop + box.clientHeight) return;
    var still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    var to = Math.max(0, top - box.clientHeight / 3);
    if (box.scrollTo) box.scrollTo({top: to, behavior: still ? 'auto' : 'smooth'});
    else box.scrollTop = to;
  };

  function mount(host) {
    if (!host || host.essaycast || host.essaycastLoading) return null;
    host.essaycastLoading = true;
    style();
    return load(host).then(function (doc) {
      host.essaycast = new Player(host, doc);
      host.dispatchEvent(new CustomEvent('essaycast:ready', {bubbles: true}));
      return host.essaycast;
    }, function (error) {
      var src = host.getAttribute('src') || host.getAttribute('data-essaycast-player') || '';
      var note = make('p', {'class': 'essaycast-error', role: 'status'},
                      'The episode could not be loaded (' + src + ': ' + error.message + ').');
      host.appendChild(note);
      host.essaycastLoading = false;
      return null;
    });
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-essaycast-player]'), mount);
  }

  window.EssaycastPlayer = {mount: mount, version: 1};
  if (window.customElements && !window.customElements.get('essaycast-player')) {
    window.customElements.define('essaycast-player', class extends HTMLElement {
      connectedCallback() {
        // parsed before its children when the script is not deferred: wait for them
        var host = this;
        if (document.readyState === 'loading') {
          document.addEventListener('DOMContentLoaded', function () { mount(host); });
        } else {
          mount(host);
        }
      }
    });
  } else {
    Array.prototype.forEach.call(document.querySelectorAll('essaycast-player'), mount);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
