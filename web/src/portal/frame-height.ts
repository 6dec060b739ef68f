/**
 * Inside a shop's iframe the portal tells the shop's page how tall it is, so that the frame
 * fits it without a scrollbar of its own: `{ type: "edge-referrals:height", height }` (CSS
 * pixels) by `postMessage`, once on load and whenever the height changes. It goes to the
 * parent's origin where the browser tells it (`location.ancestorOrigins`, Chromium and
 * Safari), else to any: a height says nothing about the person, and only the sites in
 * `frame-ancestors` can frame the portal. The shop's listener checks that it comes from the
 * portal's origin (docs/web.md).
 */
export const HEIGHT_MESSAGE = "edge-referrals:height";

export function reportHeightToParent(): void {
  // An opaque parent (a sandboxed frame) is named "null", which postMessage cannot target.
  const named = location.ancestorOrigins?.[0];
  const parentOrigin = named && named !== "null" ? named : "*";
  let sent = -1;
  const report = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === sent) return;
    sent = height;
    window.parent.postMessage({ type: HEIGHT_MESSAGE, height }, parentOrigin);
  };
  report();
  // The body grows as the cards load and wraps differently when the frame is resized.
  new ResizeObserver(report).observe(document.documentElement);
}
