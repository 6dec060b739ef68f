/**
 * Cloudflare Turnstile in the portal: when the Worker serves the page with a site key (a
 * `turnstile-site-key` meta tag, and a CSP that allows challenges.cloudflare.com), the forms
 * that sign up or send an SMS show the widget and send its token in the CF-Turnstile-Response
 * header. Without a key there is no widget, no script and no header.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { currentLocale, type Locale } from "./messages";

const SCRIPT_URL = "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit";

interface TurnstileApi {
  render(
    container: HTMLElement,
    options: {
      sitekey: string;
      language?: string;
      callback: (token: string) => void;
      "expired-callback": () => void;
      "error-callback": () => void;
    },
  ): string;
  reset(widgetId: string): void;
  remove(widgetId: string): void;
}

declare global {
  interface Window {
    turnstile?: TurnstileApi;
  }
}

/** The site key the Worker put into the page, or null when no challenge is asked for. */
export function turnstileSiteKey(): string | null {
  return (
    document.querySelector<HTMLMetaElement>('meta[name="turnstile-site-key"]')?.content || null
  );
}

/** The widget's language: Turnstile speaks English and Hindi, not Urdu (it then picks its own). */
const WIDGET_LANGUAGE: Record<Locale, string> = { en: "en", hi: "hi", ur: "auto" };

let loading: Promise<TurnstileApi> | null = null;

/** Cloudflare's script, added once (explicit rendering: each form renders its own widget). */
function loadTurnstile(): Promise<TurnstileApi> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = SCRIPT_URL;
    script.async = true;
    script.onload = () => (window.turnstile ? resolve(window.turnstile) : reject(new Error()));
    script.onerror = () => {
      loading = null;
      reject(new Error("Turnstile did not load"));
    };
    document.head.append(script);
  });
  return loading;
}

/**
 * A form's challenge: `widget` to place in the form (null without a site key), `headers` to
 * send with its request, `ready` once a token is there, and `reset` after each request (a
 * token is good for one check).
 */
export function useChallenge() {
  const siteKey = turnstileSiteKey();
  const container = useRef<HTMLDivElement>(null);
  const widgetId = useRef<string | null>(null);
  const [token, setToken] = useState<string | null>(null);

  useEffect(() => {
    if (!siteKey || !container.current) return;
    let cancelled = false;
    loadTurnstile()
      .then((turnstile) => {
        if (cancelled || !container.current) return;
        widgetId.current = turnstile.render(container.current, {
          sitekey: siteKey,
          language: WIDGET_LANGUAGE[currentLocale()],
          callback: setToken,
          "expired-callback": () => setToken(null),
          "error-callback": () => setToken(null),
        });
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
      if (widgetId.current) window.turnstile?.remove(widgetId.current);
      widgetId.current = null;
    };
  }, [siteKey]);

  return {
    widget: siteKey ? <div class="challenge" ref={container} /> : null,
    ready: !siteKey || token !== null,
    headers: (): Record<string, string> => (token ? { "CF-Turnstile-Response": token } : {}),
    reset: () => {
      setToken(null);
      if (widgetId.current) window.turnstile?.reset(widgetId.current);
    },
  };
}
