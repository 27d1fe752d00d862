// Drive `herpress preview` in a Chromium the caller has started, as an author would: read a
// chapter, switch widths, jump to its print pages, edit it, break it, mend it; what was seen goes
// into a report, with a screenshot at each step.
//
//   node preview.mjs TOOLS CDP_URL PLAN_JSON REPORT_JSON
//
// TOOLS is .tools/reader (playwright-core is loaded from there); CDP_URL the browser's DevTools
// WebSocket. PLAN_JSON (written by tests/test_preview.py) holds the preview's URL, the screenshot
// folder, the chapter file to write and the texts to write into it, and what to wait for. Every
// wait is on something seen in the page, polled until a deadline; the test checks the report.
import {createRequire} from "node:module";
import {readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";

const [tools, cdp, planPath, reportPath] = process.argv.slice(2);
const {chromium} = createRequire(join(tools, "package.json"))("playwright-core");
const plan = JSON.parse(readFileSync(planPath, "utf8"));
const errors = [], httpErrors = [];
const report = {errors, httpErrors, steps: [], navigations: 0};

const browser = await chromium.connectOverCDP(cdp);
try {
  const context = browser.contexts()[0] ?? await browser.newContext();
  const page = await context.newPage();
  await page.setViewportSize({width: 1400, height: 900});
  page.on("pageerror", error => errors.push(`page error: ${error.message}`));
  page.on("console", message => { if (message.type() === "error") errors.push(`console: ${message.text()}`); });
  page.on("response", response => { if (response.status() >= 400) httpErrors.push(`HTTP ${response.status()}: ${response.url()}`); });
  page.on("requestfailed", request => {
    const failure = request.failure()?.errorText ?? "";
    if (!failure.includes("ERR_ABORTED")) errors.push(`request failed: ${request.url()} ${failure}`);
  });
  page.on("framenavigated", frame => { if (frame === page.mainFrame()) report.navigations += 1; });

  const until = (what, fn, arg) => page.waitForFunction(fn, arg, {timeout: plan.timeout, polling: 50})
    .catch(error => { throw new Error(`waiting for ${what}: ${error.message.split("\n")[0]}`); });
  const shot = async name => { await page.screenshot({path: join(plan.screens, name)}); report.steps.push(name); };
  const frameText = () => page.evaluate(() => herpressPreview.frame?.contentDocument?.body?.textContent ?? "");
  const position = () => page.evaluate(() => herpressPreview.readingPosition());
  const member = () => page.evaluate(() => herpressPreview.readingPosition()?.member ?? null);
  const contentsLink = text => page.locator("#toc a", {hasText: text}).first();
  const pagesShown = () => until("the print pages", () => {
    const at = herpressPreview.printPosition();
    const figure = at && document.querySelector(`.page[data-page="${at.page}"] img`);
    return figure && figure.complete && figure.naturalWidth > 0 && figure.src.includes(document.body.dataset.printVersion);
  });

  await page.goto(plan.url, {waitUntil: "load"});
  await until("the first build of both views",
              () => document.body.dataset.readingVersion && document.body.dataset.printVersion);
  report.navigations = 0;
  report.contents = await page.locator("#toc a").allTextContents();
  await until("the first document", () => herpressPreview.frame?.contentDocument?.readyState === "complete");
  report.firstDocument = await member();
  await shot("01-reading.png");

  // a chapter from the contents, and the links in it
  await contentsLink(plan.expect.chapterTitle).click();
  await until("the chapter", title => herpressPreview.frame?.contentDocument?.querySelector("h1")?.textContent.includes(title),
              plan.expect.chapterTitle);
  report.chapterHeading = await page.evaluate(() => herpressPreview.frame.contentDocument.querySelector("h1").textContent.trim());
  report.chart = await page.evaluate(async () => {
    const img = herpressPreview.frame.contentDocument.querySelector("figure.chart img");
    if (!img) return null;
    await img.decode().catch(() => null);
    return {width: img.naturalWidth, complete: img.complete};
  });
  await shot("02-chapter.png");
  await page.evaluate(() => herpressPreview.frame.contentDocument.querySelector("a.glossterm").click());
  await until("the glossary, through a link in the chapter", () => herpressPreview.readingPosition()?.member?.endsWith("glossary.xhtml"));
  report.glossaryLink = await member();
  await page.evaluate(() => herpressPreview.frame.contentWindow.history.back());
  await until("the chapter again", () => herpressPreview.readingPosition()?.member?.endsWith("first-chapter.xhtml"));
  await page.evaluate(() => herpressPreview.frame.contentDocument.querySelector("a.footnote-ref, a[role~='doc-noteref']")?.click());
  report.noteTarget = await page.evaluate(() => herpressPreview.frame.contentWindow.location.hash);
  await contentsLink(plan.expect.chapterTitle).click();  // and back to the chapter's start
  await until("the chapter's start", () => herpressPreview.frame?.contentWindow?.location.hash === ""
              && herpressPreview.frame.contentDocument.readyState === "complete" && herpressPreview.frame.contentWindow.scrollY === 0);

  // the three widths
  report.widths = {};
  for (const width of ["phone", "tablet", "ereader"]) {
    await page.click(`button[data-width="${width}"]`);
    report.widths[width] = await page.evaluate(() => document.querySelector("#frames").getBoundingClientRect().width);
    if (width === "phone") await shot("03-phone.png");
  }

  // from the chapter to its pages in print
  await page.click("#to-print");
  await until("the print view", () => document.body.dataset.view === "print" && document.body.dataset.jumped);
  await pagesShown();
  report.jump = {page: Number(await page.evaluate(() => document.body.dataset.jumped)),
                 at: await page.evaluate(() => herpressPreview.printPosition())};
  await shot("04-print.png");

  // back to reading, at a heading further down
  await page.click("#show-reading");
  await contentsLink(plan.expect.headingText).click();
  await until("the heading", id => herpressPreview.readingPosition()?.id === id, plan.expect.heading);
  report.before = await position();
  const printBefore = await page.evaluate(() => document.body.dataset.printVersion);
  const shownBefore = Number(await page.evaluate(() => document.body.dataset.readingShown));
  await page.evaluate(() => { window.notReloaded = true; });

  // an edit: the reading view changes in place, at the same heading
  const started = Date.now();
  writeFileSync(plan.chapter, plan.texts.edited);
  await until("the edit in the reading view",
              words => (herpressPreview.frame?.contentDocument?.body?.textContent ?? "").includes(words), plan.expect.edited);
  report.editSeconds = (Date.now() - started) / 1000;
  await page.evaluate(() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  report.after = await position();
  report.notReloaded = await page.evaluate(() => window.notReloaded === true);
  await shot("05-edited.png");

  // and the print view, once its pages are laid out again, at the same page
  await until("the new print pages", old => document.body.dataset.printVersion !== old, printBefore);
  report.printSeconds = (Date.now() - started) / 1000;
  await until("the reading view at rest", () => !herpressPreview.loading);
  report.readingRefreshes = Number(await page.evaluate(() => document.body.dataset.readingShown)) - shownBefore;
  await page.click("#show-print");
  await pagesShown();
  report.printAfter = await page.evaluate(() => herpressPreview.printPosition());
  await shot("06-print-after-edit.png");
  await page.click("#show-reading");

  // broken: the problem over the last good pages
  writeFileSync(plan.chapter, plan.texts.broken);
  await until("the problem shown", text => !document.querySelector("#errors").hidden
              && document.querySelector("#errors").textContent.includes(text), plan.expect.errorText);
  report.overlay = await page.evaluate(() => [...document.querySelectorAll("#error-list li")].map(li => li.textContent));
  report.stillShown = (await frameText()).includes(plan.expect.edited);
  await shot("07-problem.png");

  // mended: the problem gone, the mended text shown
  writeFileSync(plan.chapter, plan.texts.mended);
  await until("the problem gone and the mended text",
              words => document.querySelector("#errors").hidden
                && (herpressPreview.frame?.contentDocument?.body?.textContent ?? "").includes(words), plan.expect.mended);
  report.overlayGone = await page.evaluate(() => document.querySelector("#errors").hidden);
  report.final = await position();
  report.notReloaded = report.notReloaded && await page.evaluate(() => window.notReloaded === true);
  await shot("08-mended.png");
} catch (error) {
  errors.push(`driver: ${error.stack || error}`);
} finally {
  writeFileSync(reportPath, JSON.stringify(report, null, 1));
  await browser.close().catch(() => {});
}
