// herpress preview: the page around the book (styles/templates/preview/index.html.j2).
//
// The server (src/herpress/preview/server.py) sends the preview's state on /events each time a
// build's outputs are in place: the EPUB (its version, contents and spine), the print PDF (its
// version, pages, folios and where each chapter begins) and the problems of the last build. This
// script shows what changed and nothing else, where the reader was:
//  * the reading view loads the new version of the document being read in a second, hidden frame,
//    scrolls it to the heading the reader was at (at the same height on screen), then swaps the
//    frames: no reload of the page, no flash;
//  * the print view puts the new pages in place of the old ones, each once its image has loaded,
//    keeping the page the reader was at where it was;
//  * the problems are listed over both views, the last good pages kept underneath.
"use strict";

const $ = selector => document.querySelector(selector);
const SAVED = "herpress-preview";  // sessionStorage: where the reader was, for a reload by hand
let state = null;                  // the last state the server sent
let readingVersion = null;         // the EPUB version the reading view shows
let printVersion = null;           // the PDF version the print view shows
let frame = null;                  // the reading view's frame on screen
let pending = null;                // the frame loading the next version, if any
let lastPrintPlace = null;         // the print view's place, kept while it is built again
const MARGIN = 16;                 // pixels above a spread the print view jumps to

// --- the reading view --------------------------------------------------------------------------

function bookUrl(version, member) {
  return `/book/${encodeURIComponent(version)}/${member.split("/").map(encodeURIComponent).join("/")}`;
}

// The member a frame shows ("EPUB/first-chapter.xhtml"), or null.
function memberOf(target) {
  try {
    const match = target.contentWindow.location.pathname.match(/^\/book\/[^/]+\/(.+)$/);
    return match ? decodeURIComponent(match[1]) : null;
  } catch (error) {
    return null;  // a page of another origin (a link out of the book)
  }
}

// Where the reader is in a frame: the last heading at or above the top of the screen, and how far
// from the top it is now; or, at the very top, just that.
function readingPosition(target = frame) {
  if (!target) return null;
  const member = memberOf(target);
  const win = target.contentWindow, doc = target.contentDocument;
  if (!member || !doc || !doc.body) return null;
  const headings = [...doc.querySelectorAll("h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]")];
  let mark = null;
  for (const heading of headings) {
    if (heading.getBoundingClientRect().top <= 8) mark = heading;
    else break;
  }
  return {member, scrollY: win.scrollY, id: mark ? mark.id : null,
          text: mark ? mark.textContent.trim() : null, top: mark ? mark.getBoundingClientRect().top : 0};
}

function restore(target, place) {
  const win = target.contentWindow, doc = target.contentDocument;
  if (!place || place.scrollY === 0) { win.scrollTo(0, 0); return; }
  const mark = place.id && doc.getElementById(place.id);
  win.scrollTo(0, mark ? mark.getBoundingClientRect().top + win.scrollY - place.top : place.scrollY);
}

// A frame's document laid out for good: its fonts and images in.
async function settled(target) {
  const doc = target.contentDocument;
  try { await doc.fonts.ready; } catch (error) { /* no fonts API */ }
  await Promise.all([...doc.images].map(img => img.decode().catch(() => null)));
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}

function newFrame(src, place, onShown) {
  const made = document.createElement("iframe");
  made.title = "The book, as its EPUB shows it";
  made.className = "loading";
  made.addEventListener("load", async () => {
    if (made !== pending && made !== frame) return;
    const doc = made.contentDocument;
    if (!doc || doc.contentType !== "application/xhtml+xml") {  // the document is gone from the book
      if (made === pending && state?.reading && memberOf(made) !== state.reading.start) {
        made.src = bookUrl(state.reading.version, state.reading.start);
        return;
      }
    }
    if (made === pending) {
      await settled(made);
      if (made !== pending) return;
      restore(made, place);
      pending = null;
      const old = frame;
      frame = made;
      made.classList.remove("loading");
      if (old) old.remove();
      onShown?.();
    }
    frameLoaded(made);
  });
  made.src = src;
  return made;
}

// Each document the reading view shows (a link followed in it too): links out of the book open
// beside it, the contents mark where the reader is, and the place is kept for a reload by hand.
function frameLoaded(target) {
  const doc = target.contentDocument;
  if (!doc) return;
  doc.addEventListener("click", event => {
    const link = event.target.closest?.("a[href]");
    if (link && /^(https?:|mailto:)/.test(link.getAttribute("href") || "")) {
      event.preventDefault();
      window.open(link.href, "_blank", "noopener");
    }
  });
  target.contentWindow.addEventListener("scroll", () => { save(); markContents(); }, {passive: true});
  target.contentWindow.addEventListener("hashchange", () => { save(); markContents(); });
  markContents();
  save();
}

function showReading(version, place) {
  if (pending) pending.remove();
  const member = place?.member || state.reading.start;  // one gone from the book: the start (newFrame)
  pending = newFrame(bookUrl(version, member), place, () => {
    readingVersion = version;
    document.body.dataset.readingVersion = version;
    document.body.dataset.readingShown = String(Number(document.body.dataset.readingShown || 0) + 1);
  });
  $("#frames").append(pending);
}

function go(href) {  // a member, with its #fragment: in the frame on screen, in the version it shows
  if (!frame) return;
  const [member, fragment] = href.split("#");
  const target = bookUrl(readingVersion, member) + (fragment ? `#${fragment}` : "");
  if (memberOf(frame) === member && fragment) {
    frame.contentWindow.location.hash = fragment;
  } else {
    frame.src = target;
  }
}

function renderContents(toc) {
  const list = $("#toc");
  list.replaceChildren();
  const add = (entries, into) => {
    for (const entry of entries) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = "#";
      link.textContent = entry.title;
      link.dataset.href = entry.href;
      link.addEventListener("click", event => { event.preventDefault(); go(entry.href); });
      item.append(link);
      if (entry.children.length) {
        const inner = document.createElement("ol");
        add(entry.children, inner);
        item.append(inner);
      }
      into.append(item);
    }
  };
  add(toc, list);
  markContents();
}

// The contents entry of the document (and heading) being read.
function markContents() {
  const place = readingPosition();
  const links = [...document.querySelectorAll("#toc a")];
  links.forEach(link => link.classList.remove("current"));
  if (!place) return;
  const exact = links.find(link => link.dataset.href === `${place.member}#${place.id}`);
  const whole = links.find(link => link.dataset.href === place.member);
  (exact || whole)?.classList.add("current");
}

// --- the print view ----------------------------------------------------------------------------

const observer = new IntersectionObserver(entries => {
  for (const entry of entries) if (entry.isIntersecting) load(entry.target);
}, {root: $("#print"), rootMargin: "1200px 0px"});

function load(img) {
  if (!img.dataset.src || img.getAttribute("src") === img.dataset.src) return;
  const src = img.dataset.src;
  if (!img.getAttribute("src")) { img.src = src; return; }
  const probe = new Image();  // a page already shown: the old image stays until the new one is in
  probe.src = src;
  probe.decode().then(() => { if (img.dataset.src === src) img.src = src; }, () => { img.src = src; });
}

// The print page the reader is at: the first whose image reaches below the top of the view (the
// left of its spread), with the pages of that spread.
function printPosition() {
  const view = $("#print"), top = view.getBoundingClientRect().top;
  for (const figure of document.querySelectorAll(".page[data-page]")) {
    const rect = figure.getBoundingClientRect();
    if (rect.bottom > top + 1) {
      const spread = [...figure.parentElement.querySelectorAll(".page[data-page]")].map(f => Number(f.dataset.page));
      return {page: Number(figure.dataset.page), offset: rect.top - top, spread};
    }
  }
  return null;
}

function scrollToPage(page, offset = 0) {
  const view = $("#print");
  let figure = null;
  for (const candidate of document.querySelectorAll(".page[data-page]")) {
    if (Number(candidate.dataset.page) <= page) figure = candidate;
  }
  if (!figure) return;
  view.scrollTop += figure.getBoundingClientRect().top - view.getBoundingClientRect().top - offset;
  showWhere();
}

function showPrint(info) {
  const place = printPosition() ?? lastPrintPlace;
  const spreads = $("#spreads");
  const [width, height] = info.size;
  const shape = JSON.stringify([info.spreads, info.size]);
  if (spreads.dataset.shape !== shape) {  // another number of pages or another size: set them out again
    spreads.replaceChildren();
    for (const pair of info.spreads) {
      const spread = document.createElement("div");
      spread.className = "spread";
      for (const index of pair) {
        const figure = document.createElement("figure");
        figure.className = "page";
        if (index === null) {
          const blank = document.createElement("div");
          blank.className = "blank";
          blank.style.aspectRatio = `${width} / ${height}`;
          figure.append(blank);
        } else {
          figure.dataset.page = index;
          const img = document.createElement("img");
          img.width = Math.round(width);
          img.height = Math.round(height);
          img.alt = `Page ${index + 1}`;
          figure.append(img, document.createElement("figcaption"));
          observer.observe(img);
        }
        spread.append(figure);
      }
      spreads.append(spread);
    }
    spreads.dataset.shape = shape;
  }
  for (const figure of spreads.querySelectorAll(".page[data-page]")) {
    const index = Number(figure.dataset.page), img = figure.querySelector("img");
    const folio = info.folios[index];
    figure.querySelector("figcaption").textContent = folio ? `${folio}` : "·";
    figure.title = `PDF page ${index + 1} of ${info.count}${folio ? `, printed as page ${folio}` : ""}`;
    img.dataset.src = `/print/${encodeURIComponent(info.version)}/${index + 1}.png`;
    const rect = img.getBoundingClientRect(), view = $("#print").getBoundingClientRect();
    if (img.getAttribute("src") || (rect.bottom > view.top - 1200 && rect.top < view.bottom + 1200)) load(img);
  }
  printVersion = info.version;
  document.body.dataset.printVersion = info.version;
  if (place) scrollToPage(place.page, place.offset);
  showWhere();
}

function showWhere() {
  const place = printPosition(), info = state?.print;
  if (place) lastPrintPlace = place;
  if (!place || !info) return;
  const pages = place.spread.map(index => info.folios[index]).filter(Boolean);
  const sheets = place.spread.map(index => index + 1).join("–");
  $("#where").textContent = `${pages.length ? `page${pages.length > 1 ? "s" : ""} ${pages.join("–")} · ` : ""}`
    + `PDF ${sheets} of ${info.count}`;
  save();
}

// The print pages of the chapter being read: the first page its region has in the page map.
function chapterInPrint() {
  const member = memberOf(frame), info = state?.print;
  if (!info || !member) return null;
  if (member in info.chapters) return info.chapters[member];
  const spine = state.reading.spine, at = spine.indexOf(member);  // a document the print has not: the one before
  for (let i = at - 1; i >= 0; i--) if (spine[i] in info.chapters) return info.chapters[spine[i]];
  return 0;
}

function jumpToPrint() {
  const page = chapterInPrint();
  if (page === null) return;
  setView("print");
  scrollToPage(page, MARGIN);
  document.querySelectorAll(".page.target").forEach(figure => figure.classList.remove("target"));
  document.querySelector(`.page[data-page="${page}"]`)?.classList.add("target");
  document.body.dataset.jumped = String(page);
}

// --- the page around them ----------------------------------------------------------------------

function setView(view) {
  document.body.dataset.view = view;
  for (const button of document.querySelectorAll("[role=tab]")) {
    button.setAttribute("aria-selected", String(button.dataset.view === view));
  }
  if (view === "print") showWhere();
  save();
}

function setWidth(width) {
  const place = readingPosition();  // the text reflows: keep the heading the reader was at
  document.body.dataset.width = width;
  if (place && frame) requestAnimationFrame(() => restore(frame, place));
  for (const button of document.querySelectorAll("button[data-width]")) {
    button.setAttribute("aria-pressed", String(button.dataset.width === width));
  }
  localStorage.setItem(`${SAVED}-width`, width);
}

function showErrors(errors) {
  const list = $("#error-list");
  list.replaceChildren(...errors.map(line => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
  $("#errors").hidden = errors.length === 0;
  document.body.dataset.errors = String(errors.length);
}

function save() {
  try {
    sessionStorage.setItem(SAVED, JSON.stringify({view: document.body.dataset.view, reading: readingPosition(),
                                                  print: printPosition() ?? lastPrintPlace}));
  } catch (error) { /* storage refused */ }
}

function saved() {
  try { return JSON.parse(sessionStorage.getItem(SAVED) || "null"); } catch (error) { return null; }
}

function receive(next) {
  const first = state === null;
  state = next;
  document.title = `${next.title} · herpress preview`;
  $("#book-title").textContent = next.title;
  showErrors(next.errors);
  const kept = first ? saved() : null;
  if (next.reading && next.reading.version !== readingVersion && next.reading.version !== pending?.dataset.version) {
    renderContents(next.reading.toc);
    const place = frame ? readingPosition() : kept?.reading ?? null;
    showReading(next.reading.version, place);
    pending.dataset.version = next.reading.version;
  } else if (next.reading) {
    renderContents(next.reading.toc);
  }
  if (next.print && next.print.version !== printVersion) {
    if (first && kept?.print) lastPrintPlace = kept.print;
    showPrint(next.print);
  }
  if (first && kept?.view) setView(kept.view);
  const built = [next.reading && "reading", next.print && "print"].filter(Boolean).join(" and ");
  $("#status").textContent = next.errors.length ? "Not built: see the problems"
    : built ? `Updated ${new Date().toLocaleTimeString()}` : "Building…";
}

function connect() {
  const events = new EventSource("/events");
  events.addEventListener("state", event => receive(JSON.parse(event.data)));
  events.addEventListener("error", () => {
    if (events.readyState !== EventSource.OPEN) $("#status").textContent = "Not connected: is herpress preview running?";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[role=tab]")) {
    button.addEventListener("click", () => setView(button.dataset.view));
  }
  for (const button of document.querySelectorAll("button[data-width]")) {
    button.addEventListener("click", () => setWidth(button.dataset.width));
  }
  $("#to-print").addEventListener("click", jumpToPrint);
  $("#print").addEventListener("scroll", showWhere, {passive: true});
  setWidth(localStorage.getItem(`${SAVED}-width`) || "ereader");
  connect();
});

// For a person at the console, and for tests/engines/preview.mjs.
window.herpressPreview = {readingPosition, printPosition, chapterInPrint, get state() { return state; },
                          get frame() { return frame; }, get loading() { return pending !== null; }};
