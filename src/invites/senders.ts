import type { Config } from "../config";
import { hmacSha256Hex } from "../lib/crypto";
import { smsRefusal } from "../lib/phone";
import { SEND_TIMEOUT_MS } from "./rules";

export interface InviteMessage {
  inviteId: string;
  channel: "email" | "sms";
  to: string;
  text: string;
  /** The invite's link; empty for a notification. */
  link: string;
  /** "invite", or the kind of a notification to the user themself. */
  purpose?: string;
  /** An email's subject, in the invite's language. */
  subject?: string;
}

/** A one-time code by SMS: phone verification or password reset. */
export interface CodeMessage {
  purpose: string;
  to: string;
  text: string;
}

/** Delivers one invite; throws when it was not accepted, so that the outbox retries it. */
export interface InviteSender {
  send(message: InviteMessage): Promise<void>;
}

/** Delivers one code SMS; throws when it was not accepted. */
export interface CodeSender {
  sendCode(message: CodeMessage): Promise<void>;
}

/** Every sender carries both: invites and codes leave through the same configured channel. */
export type MessageSender = InviteSender & CodeSender;

/** Local default: writes the message to the log. */
export function logSender(): MessageSender {
  return {
    async send(message) {
      // A notification as `[friend_joined] sms to …`, like a code; an invite with its id.
      const tag =
        !message.purpose || message.purpose === "invite"
          ? `invite ${message.inviteId}`
          : message.purpose;
      console.log(`[${tag}] ${message.channel} to ${message.to}: ${message.text}`);
    },
    async sendCode(message) {
      console.log(`[${message.purpose}] sms to ${message.to}: ${message.text}`);
    },
  };
}

/**
 * The provider call, given up after `timeoutMs` (body included): a provider that hangs must
 * fail the attempt before its claim on the invite (`DELIVERY_LOCK_MS`) runs out, or the
 * retry job could send the invite a second time while the first call is still open.
 */
function withTimeout(fetcher: typeof fetch, timeoutMs: number): typeof fetch {
  return (input, init) => fetcher(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

async function expectAccepted(response: Response, what: string) {
  if (!response.ok) {
    const detail = (await response.text()).slice(0, 200);
    throw new Error(`${what} answered ${response.status}: ${detail}`);
  }
}

/**
 * POSTs the invite as JSON to a team's own endpoint (its Twilio/SendGrid/WhatsApp flow).
 * `X-Invite-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
 * `X-Invite-Timestamp` lets the receiver check origin and freshness.
 */
export function webhookSender(
  options: { url: string; secret: string },
  fetcher: typeof fetch = fetch,
  timeoutMs: number = SEND_TIMEOUT_MS,
): MessageSender {
  const fetchInTime = withTimeout(fetcher, timeoutMs);
  const post = async (payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = await hmacSha256Hex(options.secret, `${timestamp}.${body}`);
    const response = await fetchInTime(options.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Invite-Timestamp": timestamp,
        "X-Invite-Signature": `v1=${signature}`,
      },
      body,
    });
    await expectAccepted(response, "The invite webhook");
  };
  return {
    // A notification to the user themself is told from an invite by `type` and `purpose`.
    send: (message) =>
      post({
        type: !message.purpose || message.purpose === "invite" ? "invite" : "notification",
        ...message,
      }),
    // Always an SMS: the receiver tells it from an invite by `type`.
    sendCode: (message) => post({ type: "verification_code", channel: "sms", ...message }),
  };
}

/** SMS through Twilio's Messages API and email through Resend: both plain HTTPS calls. */
export function providerSender(
  options: {
    twilio: { accountSid: string; authToken: string; from: string };
    resend: { apiKey: string; from: string };
  },
  fetcher: typeof fetch = fetch,
  timeoutMs: number = SEND_TIMEOUT_MS,
): MessageSender {
  const fetchInTime = withTimeout(fetcher, timeoutMs);
  const sms = async (to: string, text: string) => {
    const { accountSid, authToken, from } = options.twilio;
    const response = await fetchInTime(
      `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Messages.json`,
      {
        method: "POST",
        headers: {
          Authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ To: to, From: from, Body: text }),
      },
    );
    return expectAccepted(response, "Twilio");
  };
  return {
    sendCode: (message) => sms(message.to, message.text),
    async send(message) {
      if (message.channel === "sms") return sms(message.to, message.text);
      const response = await fetchInTime("https://api.resend.com/emails", {
        method: "POST",
        headers: {
          Authorization: `Bearer ${options.resend.apiKey}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          from: options.resend.from,
          to: [message.to],
          subject: message.subject ?? "You're invited",
          text: message.text,
        }),
      });
      return expectAccepted(response, "Resend");
    },
  };
}

/**
 * The last guard, whatever path an SMS takes: none goes to a phone that cannot receive one or
 * costs premium rates (a phone stored before such phones were refused where they come in).
 * Callers check first (`smsRefusal`) so that such a message uses no budget and no retries.
 */
export function refusingUnsupportedPhones(sender: MessageSender): MessageSender {
  const check = (to: string) => {
    const refusal = smsRefusal(to);
    if (refusal) throw new Error(`No SMS goes to ${refusal}.`);
  };
  return {
    async send(message) {
      if (message.channel === "sms") check(message.to);
      return sender.send(message);
    },
    async sendCode(message) {
      check(message.to);
      return sender.sendCode(message);
    },
  };
}

function configuredSender(config: Config): MessageSender {
  const delivery = config.inviteDelivery;
  if (delivery.sender === "webhook") return webhookSender(delivery);
  if (delivery.sender === "providers") return providerSender(delivery);
  return logSender();
}

export function senderFromConfig(config: Config): MessageSender {
  return refusingUnsupportedPhones(configuredSender(config));
}
