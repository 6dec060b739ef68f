/** What a form shows when the API refuses it: pure rules over the error envelope, run in Node. */
import { describe, expect, it } from "vitest";
import { en } from "../web/src/shared/i18n/en";
import { type Catalogue, type Locale, render } from "../web/src/shared/i18n/locale";
import { ur } from "../web/src/shared/i18n/ur";
import { networkFailure, refusalOf } from "../web/src/shared/submit-rules";

/** The look-up the pages pass: a catalogue's words, null for a key it does not have. */
const wordsOf = (catalogue: Catalogue, locale: Locale) => (key: string) =>
  key in catalogue ? render(catalogue[key as keyof Catalogue], locale, {}) : null;
const english = wordsOf(en, "en");
const urdu = wordsOf(ur, "ur");

const validation = {
  error: {
    code: "validation_error",
    message: "Invalid request",
    requestId: "req_1",
    details: [
      { path: "phone", message: "Not a phone number" },
      { path: "rules.refereeBonus", message: "Must be 0 or more" },
      { path: "phone", message: "Too short" },
    ],
  },
};

describe("an API refusal in a form", () => {
  it("reads a known code in the catalogue's words of the page's language", () => {
    const taken = { error: { code: "phone_taken", message: "Phone taken", requestId: "req_1" } };
    expect(refusalOf(taken, "en", english)).toEqual({ message: en.error_phone_taken, fields: {} });
    expect(refusalOf(taken, "ur", urdu)).toEqual({ message: ur.error_phone_taken, fields: {} });
  });

  it("shows the API's own words for a code the catalogue lacks in English, the general line in another language", () => {
    const novel = { error: { code: "brand_new_code", message: "Brand new", requestId: "req_1" } };
    expect(refusalOf(novel, "en", english).message).toBe("Brand new");
    expect(refusalOf(novel, "ur", urdu).message).toBe(ur.error_unknown);
  });

  it("puts each field's first reason at its path: the API's in English, 'check this field' otherwise", () => {
    expect(refusalOf(validation, "en", english)).toEqual({
      message: en.error_validation_error,
      fields: { phone: "Not a phone number", "rules.refereeBonus": "Must be 0 or more" },
    });
    expect(refusalOf(validation, "ur", urdu).fields).toEqual({
      phone: ur.checkField,
      "rules.refereeBonus": ur.checkField,
    });
  });

  it("reads anything that is not an envelope as the general error, with no field marked", () => {
    for (const junk of [
      null,
      undefined,
      "Bad Gateway",
      {},
      { error: {} },
      { error: { details: 3 } },
    ]) {
      expect(refusalOf(junk, "en", english), JSON.stringify(junk)).toEqual({
        message: en.error_unknown,
        fields: {},
      });
    }
  });

  it("says the server could not be reached when no answer came", () => {
    expect(refusalOf(networkFailure, "ur", urdu)).toEqual({
      message: ur.error_network,
      fields: {},
    });
  });
});
