// Globals of the pages that browser tests evaluate code in (page.evaluate / waitForFunction callbacks).
// `RED` is the Node-RED editor's client API; @types/node-red__editor-client types most of it as `object`,
// so page code reads it untyped.
declare const RED: any;
interface Window {
  RED?: unknown;
}
