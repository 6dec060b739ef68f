import { describe, expect, it } from "vitest";
import { callJson, registerUser } from "./harness";

describe("smoke", () => {
  it("registers and reads me", async () => {
    const referrer = await registerUser();
    const referee = await registerUser({ referralCode: referrer.referralCode.toLowerCase() });
    const me = await callJson("GET", "/v1/me", undefined, { token: referee.accessToken });
    expect(me.status).toBe(200);
    const wallet = await callJson("GET", "/v1/me/wallet", undefined, {
      token: referrer.accessToken,
    });
    console.log(JSON.stringify(me.body), JSON.stringify(wallet.body));
    const refs = await callJson("GET", "/v1/me/referrals", undefined, {
      token: referrer.accessToken,
    });
    console.log(JSON.stringify(refs.body));
  });
});
