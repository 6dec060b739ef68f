import type { Catalogue } from "../kinds";

/** اردو: written right to left, in Urdu script. Placeholders stay in Latin braces. */
export const ur: Catalogue = {
  messages: {
    verification_code:
      "{code} آپ کا فون کی تصدیق کا کوڈ ہے۔ یہ 10 منٹ میں ختم ہو جائے گا۔ یہ کوڈ کسی کو نہ بتائیں۔",
    password_reset_code:
      "{code} آپ کا پاس ورڈ دوبارہ بنانے کا کوڈ ہے۔ یہ 10 منٹ میں ختم ہو جائے گا۔ یہ کوڈ کسی کو نہ بتائیں۔",
    invite_sms: "{name} نے آپ کو شامل ہونے کی دعوت دی ہے۔ یہاں سائن اپ کریں: {link}",
    invite_email_subject: "{name} نے آپ کو دعوت دی ہے",
    invite_email_body: "{name} نے آپ کو شامل ہونے کی دعوت دی ہے۔ یہاں سائن اپ کریں: {link}",
    friend_joined: "خوشخبری! {name} نے ابھی آپ کے کوڈ سے سائن اپ کیا ہے۔",
    referral_rewarded: "آپ کو {points} ملے ہیں: آپ کا بلایا ہوا دوست شامل ہو گیا ہے۔ شکریہ!",
    milestone_reached: "مبارک ہو! آپ نے ایک سنگِ میل پار کر لیا: {reward}۔",
    points_expiring:
      "آپ کے والیٹ کے {points} {date} کو ختم ہو جائیں گے۔ اس سے پہلے انہیں استعمال کر لیں۔",
    share_text: "میرے ساتھ شامل ہوں اور خوش آمدید بونس پائیں: {link}",
    link_preview_title: "{name} نے آپ کو دعوت دی ہے",
    link_preview_description: "اس لنک سے سائن اپ کریں اور خوش آمدید بونس میں {points} پائیں۔",
  },
  points: { one: "{count} پوائنٹ", other: "{count} پوائنٹس" },
  installPage: {
    title: "دعوت کے ساتھ شامل ہوں",
    invited: "{name} نے آپ کو دعوت دی ہے۔",
    install: "ایپ انسٹال کریں، پھر اس کوڈ کے ساتھ سائن اپ کریں:",
    codeLabel: "آپ کا دعوتی کوڈ",
    copy: "کوڈ کاپی کریں",
    copied: "کاپی ہو گیا",
    appStore: "ایپ اسٹور سے ایپ حاصل کریں",
    continueOnWeb: "ویب پر جاری رکھیں",
  },
  labels: {
    free_theme: "مفت تھیم",
    premium_1_month: "ایک مہینے کا پریمیم",
    Bronze: "کانسی کا بیج",
    Silver: "چاندی کا بیج",
    Gold: "سونے کا بیج",
  },
};
