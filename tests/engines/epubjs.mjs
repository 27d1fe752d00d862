// Page through an EPUB in epub.js, in a Chromium the caller has started, as a reader would:
// from the first page to the last with "next", a screenshot of the first page of each spine
// document and of each page where an image or the notes first show, and what probe()
// (view.html) saw.
//
//   node epubjs.mjs TOOLS CDP_URL VIEW_URL SCREENS_DIR REPORT_JSON
//
// TOOLS is .tools/reader (playwright-core is loaded from there); CDP_URL the browser's
// DevTools WebSocket; VIEW_URL view.html served with the book beside it as book.epub.
// tests/test_reading_engines.py starts the browser and the server, checks the report and
// ends both; this script only drives.
import {createRequire} from "node:module";
import {writeFileSync} from "node:fs";
import {join} from "node:path";

const [tools, cdp, viewUrl, screens, reportPath] = process.argv.slice(2);
const {chromium} = createRequire(join(tools, "package.json"))("playwright-core");
const WIDTH = 800, HEIGHT = 600;
const MAX_PAGES = 2000;  // a book that never reaches its end is reported, not paged forever

const browser = await chromium.connectOverCDP(cdp);
const errors = [];
const report = {viewport: [WIDTH, HEIGHT], browser: browser.version(), sections: [], visits: [], errors};
try {
  const context = browser.contexts()[0] ?? await browser.newContext();
  const page = await context.newPage();
  await page.setViewportSize({width: WIDTH, height: HEIGHT});
  page.on("pageerror", error => errors.push(`page error: ${error.message}`));
  page.on("console", message => { if (message.type() === "error") errors.push(`console: ${message.text()}`); });
  page.on("response", response => { if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`); });
  page.on("requestfailed", request => errors.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  await page.goto(viewUrl, {waitUntil: "load"});
  const opened = await page.evaluate(() => open("book.epub"));
  report.spine = opened.spine;
  const sections = new Map();
  for (let step = 0; ; step++) {
    if (step >= MAX_PAGES) throw new Error(`still not at the end after ${MAX_PAGES} pages`);
    let record = sections.get(await page.evaluate(() => here().index));
    const seen = await page.evaluate(full => probe(full), !record);
    report.visits.push({index: seen.index, page: seen.page, pages: seen.pages,
                        text: seen.visibleText.length, images: seen.imagesShown});
    let shoot = false;
    if (!record) {
      const item = report.spine.find(entry => entry.index === seen.index);
      record = {index: seen.index, href: seen.href, idref: item?.idref, pages: seen.pages,
                firstPageText: seen.visibleText, textLength: seen.textLength,
                emptyHeadings: seen.emptyHeadings, screenshots: [], notes: seen.notes.map(() => []),
                images: seen.images.map(image => ({...image, box: undefined, shots: []}))};
      sections.set(seen.index, record);
      report.sections.push(record);
      shoot = true;
    }
    const showing = seen.images.map((image, i) => [image.box, record.images[i]]).filter(([box]) => box);
    if (showing.some(([, image]) => image && image.shots.length === 0)) shoot = true;
    const notes = seen.notes.map((box, i) => [box, record.notes[i]]).filter(([box, shots]) => box && shots);
    if (notes.some(([, shots]) => shots.length === 0)) shoot = true;
    if (shoot) {
      const number = String(report.sections.length).padStart(2, "0");
      const file = `${number}-${record.idref ?? seen.index}${seen.page > 1 ? `-p${seen.page}` : ""}.png`;
      await page.screenshot({path: join(screens, file)});
      record.screenshots.push(file);
      for (const [box, image] of showing) if (image) image.shots.push({file, box});
      for (const [box, shots] of notes) shots.push({file, box});
    }
    if (seen.atEnd) break;
    await page.evaluate(() => next());
  }
} catch (error) {
  errors.push(`driver: ${error.stack || error}`);
} finally {
  writeFileSync(reportPath, JSON.stringify(report, null, 1));
  await browser.close().catch(() => {});
}
