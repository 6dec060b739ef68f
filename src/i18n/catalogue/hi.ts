import type { Catalogue } from "../kinds";

/** हिन्दी: in Devanagari. Placeholders stay in Latin braces. */
export const hi: Catalogue = {
  messages: {
    verification_code:
      "{code} आपका फ़ोन सत्यापन कोड है। यह 10 मिनट में समाप्त हो जाएगा। इसे किसी के साथ साझा न करें।",
    password_reset_code:
      "{code} आपका पासवर्ड रीसेट करने का कोड है। यह 10 मिनट में समाप्त हो जाएगा। इसे किसी के साथ साझा न करें।",
    invite_sms: "{name} ने आपको जुड़ने का न्योता भेजा है। यहाँ साइन अप करें: {link}",
    invite_email_subject: "{name} ने आपको न्योता भेजा है",
    invite_email_body: "{name} ने आपको जुड़ने का न्योता भेजा है। यहाँ साइन अप करें: {link}",
    friend_joined: "खुशखबरी! {name} ने अभी आपके कोड से साइन अप किया है।",
    referral_rewarded: "आपको {points} मिले हैं: आपका बुलाया हुआ दोस्त जुड़ गया है। धन्यवाद!",
    milestone_reached: "बधाई हो! आपने एक पड़ाव पार कर लिया: {reward}।",
    points_expiring: "आपके वॉलेट के {points} {date} को समाप्त हो जाएँगे। उससे पहले इनका इस्तेमाल कर लें।",
    share_text: "मेरे साथ जुड़ें और वेलकम बोनस पाएँ: {link}",
    link_preview_title: "{name} ने आपको न्योता भेजा है",
    link_preview_description: "इस लिंक से साइन अप करें और वेलकम बोनस में {points} पाएँ।",
  },
  points: { one: "{count} पॉइंट", other: "{count} पॉइंट" },
  installPage: {
    title: "न्योते के साथ जुड़ें",
    invited: "{name} ने आपको न्योता भेजा है।",
    install: "ऐप इंस्टॉल करें, फिर इस कोड से साइन अप करें:",
    codeLabel: "आपका न्योता कोड",
    copy: "कोड कॉपी करें",
    copied: "कॉपी हो गया",
    appStore: "ऐप स्टोर से ऐप पाएँ",
    continueOnWeb: "वेब पर जारी रखें",
  },
  labels: {
    free_theme: "मुफ़्त थीम",
    premium_1_month: "एक महीने का प्रीमियम",
    Bronze: "कांस्य बैज",
    Silver: "रजत बैज",
    Gold: "स्वर्ण बैज",
  },
};
