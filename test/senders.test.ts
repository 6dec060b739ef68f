import { describe, expect, it, vi } from "vitest";
import { DELIVERY_LOCK_MS, SEND_TIMEOUT_MS } from "../src/invites/rules";
import {
  logSender,
  providerSender,
  refusingUnsupportedPhones,
  webhookSender,
} from "../src/invites/senders";
import { hmacSha256Hex } from "../src/lib/crypto";

const message = {
  inviteId: "inv_01m893f60gxn9ff1sh5n52nm",
  channel: "sms" as const,
  to: "+923001234567",
  text: "Ayesha K. invited you to join. Sign up here: https://api.test/r/K7QM2XRP?src=sms",
  link: "https://api.test/r/K7QM2XRP?src=sms",
};

/** Records the HTTP requests a sender makes and answers them with `status`. */
function recordingFetch(status = 200) {
  const requests: Request[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(new Request(input, init));
    return new Response(status < 300 ? "{}" : "provider says no", { status });
  }) as typeof fetch;
  return { requests, fetcher };
}

const providers = {
  twilio: { accountSid: "AC123", authToken: "token-abc", from: "+15550001111" },
  resend: { apiKey: "re_key", from: "Referrals <invites@example.com>" },
};

describe("invite senders", () => {
  it("sends SMS through Twilio's Messages API with basic auth and a form body", async () => {
    const { requests, fetcher } = recordingFetch();
    await providerSender(providers, fetcher).send(message);
    const [request] = requests;
    expect(request?.url).toBe("https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json");
    expect(request?.headers.get("Authorization")).toBe(`Basic ${btoa("AC123:token-abc")}`);
    const form = new URLSearchParams(await request?.text());
    expect(Object.fromEntries(form)).toEqual({
      To: message.to,
      From: "+15550001111",
      Body: message.text,
    });
  });

  it("sends email through Resend with a bearer key", async () => {
    const { requests, fetcher } = recordingFetch();
    await providerSender(providers, fetcher).send({
      ...message,
      channel: "email",
      to: "friend@example.com",
    });
    const [request] = requests;
    expect(request?.url).toBe("https://api.resend.com/emails");
    expect(request?.headers.get("Authorization")).toBe("Bearer re_key");
    expect(await request?.json()).toEqual({
      from: "Referrals <invites@example.com>",
      to: ["friend@example.com"],
      subject: "You're invited",
      text: message.text,
    });
  });

  it("a provider's refusal is an error, so that the outbox retries", async () => {
    const { fetcher } = recordingFetch(401);
    await expect(providerSender(providers, fetcher).send(message)).rejects.toThrow(
      /Twilio answered 401/,
    );
  });

  it("signs webhooks over timestamp and body", async () => {
    const { requests, fetcher } = recordingFetch();
    const secret = "webhook-secret-of-at-least-32-bytes!!";
    await webhookSender({ url: "https://hooks.example.com/invites", secret }, fetcher).send(
      message,
    );
    const [request] = requests;
    const body = (await request?.text()) ?? "";
    const timestamp = request?.headers.get("X-Invite-Timestamp") ?? "";
    expect(request?.headers.get("X-Invite-Signature")).toBe(
      `v1=${await hmacSha256Hex(secret, `${timestamp}.${body}`)}`,
    );
    expect(JSON.parse(body)).toEqual({ type: "invite", ...message });
  });

  it("gives up on a provider that hangs, well before the invite's claim runs out", async () => {
    expect(SEND_TIMEOUT_MS).toBeLessThanOrEqual(DELIVERY_LOCK_MS / 2);
    // Answers only when the request is aborted, like a provider that never responds.
    const hanging = ((_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as typeof fetch;
    const webhook = { url: "https://hooks.example.com/invites", secret: "s".repeat(32) };
    const started = Date.now();
    await expect(webhookSender(webhook, hanging, 50).send(message)).rejects.toThrow(/timed? ?out/i);
    await expect(providerSender(providers, hanging, 50).send(message)).rejects.toThrow(
      /timed? ?out/i,
    );
    await expect(
      providerSender(providers, hanging, 50).send({ ...message, channel: "email", to: "a@b.co" }),
    ).rejects.toThrow(/timed? ?out/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("the log sender accepts everything", async () => {
    await expect(logSender().send(message)).resolves.toBeUndefined();
  });

  it("the log sender writes a notification as one line with its purpose, recipient and text", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await logSender().send({
      ...message,
      link: "",
      purpose: "friend_joined",
      text: "Sana M. joined",
    });
    expect(log).toHaveBeenCalledWith("[friend_joined] sms to +923001234567: Sana M. joined");
    log.mockRestore();
  });
});

describe("code senders", () => {
  const code = {
    purpose: "phone_verification",
    to: "+923001234567",
    text: "048213 is your code to verify your phone. It expires in 10 minutes. Never share it.",
  };

  it("send a code SMS through Twilio like an SMS invite", async () => {
    const { requests, fetcher } = recordingFetch();
    await providerSender(providers, fetcher).sendCode(code);
    const [request] = requests;
    expect(request?.url).toBe("https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json");
    const form = new URLSearchParams(await request?.text());
    expect(Object.fromEntries(form)).toEqual({
      To: code.to,
      From: "+15550001111",
      Body: code.text,
    });
  });

  it("post a code to the webhook as a signed verification_code", async () => {
    const { requests, fetcher } = recordingFetch();
    const secret = "webhook-secret-of-at-least-32-bytes!!";
    await webhookSender({ url: "https://hooks.example.com/invites", secret }, fetcher).sendCode(
      code,
    );
    const [request] = requests;
    const body = (await request?.text()) ?? "";
    const timestamp = request?.headers.get("X-Invite-Timestamp") ?? "";
    expect(request?.headers.get("X-Invite-Signature")).toBe(
      `v1=${await hmacSha256Hex(secret, `${timestamp}.${body}`)}`,
    );
    expect(JSON.parse(body)).toEqual({ type: "verification_code", channel: "sms", ...code });
  });

  it("the log sender accepts codes too", async () => {
    await expect(logSender().sendCode(code)).resolves.toBeUndefined();
  });
});

describe("the last guard before any sender", () => {
  it("sends no SMS, invite or code, to a premium-rate or satellite phone; email and mobiles pass", async () => {
    const { requests, fetcher } = recordingFetch();
    const guarded = refusingUnsupportedPhones(providerSender(providers, fetcher));
    await expect(guarded.send({ ...message, to: "+19005551234" })).rejects.toThrow(
      "No SMS goes to a premium-rate number.",
    );
    await expect(
      guarded.sendCode({ purpose: "phone_verification", to: "+870772345678", text: "123456" }),
    ).rejects.toThrow("No SMS goes to a satellite phone number.");
    expect(requests).toHaveLength(0);
    await guarded.send(message);
    await guarded.send({ ...message, channel: "email", to: "friend@example.com" });
    expect(requests).toHaveLength(2);
  });
});
