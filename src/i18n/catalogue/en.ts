import type { Catalogue } from "../kinds";

/** English: every word the Worker sends or serves. Placeholders in braces, see ../messages.ts. */
export const en: Catalogue = {
  messages: {
    verification_code:
      "{code} is your code to verify your phone. It expires in 10 minutes. Never share it.",
    password_reset_code:
      "{code} is your code to reset your password. It expires in 10 minutes. Never share it.",
    invite_sms: "{name} invited you to join. Sign up here: {link}",
    invite_email_subject: "{name} invited you to join",
    invite_email_body: "{name} invited you to join. Sign up here: {link}",
    friend_joined: "Good news: {name} just signed up with your code.",
    referral_rewarded: "You earned {points}: a friend you invited has joined. Thank you!",
    milestone_reached: "Congratulations! You reached a milestone: {reward}.",
    points_expiring: "{points} in your wallet expire on {date}. Use them before then.",
    share_text: "Join me and get a welcome bonus: {link}",
    link_preview_title: "{name} invited you",
    link_preview_description: "Sign up with this link and get {points} as a welcome bonus.",
  },
  points: { one: "{count} point", other: "{count} points" },
  installPage: {
    title: "Join with an invite",
    invited: "{name} invited you.",
    install: "Install the app, then sign up with this code:",
    codeLabel: "Your invite code",
    copy: "Copy code",
    copied: "Copied",
    appStore: "Get the app on the App Store",
    continueOnWeb: "Continue on the web",
  },
  labels: {
    free_theme: "Free theme",
    premium_1_month: "One month of Premium",
    Bronze: "Bronze badge",
    Silver: "Silver badge",
    Gold: "Gold badge",
  },
};
