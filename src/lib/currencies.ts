/**
 * The currencies of ISO 4217 in use, with the digits of their minor unit (2 unless listed
 * otherwise). Funds, precious metals and the test and "no currency" codes (XAU, XTS, XXX…)
 * are left out: nothing is priced in them at a checkout.
 */
const ISO_4217 =
  "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN " +
  "BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD " +
  "FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY " +
  "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP " +
  "MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR " +
  "RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT " +
  "TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR " +
  "ZMW ZWG";

const MINOR_DIGITS: Record<string, number> = {
  BHD: 3,
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  PYG: 0,
  RWF: 0,
  TND: 3,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
};

const CURRENCIES = new Set(ISO_4217.split(" "));

/** Whether `code` is an ISO 4217 currency in use (upper case, as the standard writes it). */
export function isCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

/**
 * Whether `amount` is a whole number of the currency's minor unit: 5.99 USD is, 5.999 USD
 * and 100.5 JPY are not.
 *
 * @example fitsMinorUnit(5.99, "USD") // true
 */
export function fitsMinorUnit(amount: number, currency: string): boolean {
  const scaled = amount * 10 ** (MINOR_DIGITS[currency] ?? 2);
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}
