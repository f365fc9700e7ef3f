"""Synthetic support conversations for Plumtree Planner, a fictional calendar and to-do app.

Why it is built this way: the demo needs a chat-format set with one consistent system message,
varied user wording (greetings, lower case, missing punctuation, the device they use) and
answers that agree with each other, because they all come from one table of made-up product
facts below. About a third of the conversations continue with a follow-up question, so the
set has multi-turn examples. The product, its prices and the example.com addresses are invented.
"""

from __future__ import annotations

import random

SYSTEM = (
    "You are the support assistant for Plumtree Planner, a calendar and to-do app for web, "
    "Windows, macOS, iOS and Android. Answer in a friendly, concise way, give exact menu "
    "paths, and if you are not sure, say so and suggest writing to support@plumtree.example."
)

DEVICES = ["iPhone", "Android phone", "iPad", "Mac", "Windows laptop", "browser"]
GREETINGS = [
    "",
    "",
    "",
    "Hi, ",
    "Hello! ",
    "Hey, ",
    "Quick question: ",
    "Hi there. ",
    "Good morning, ",
]

SETTINGS = (
    "Settings (the gear icon at the top right on web and desktop, or Profile → Settings on mobile)"
)

# Each topic: user phrasings (may use {device}), the answer, and optional follow-ups.
Topic = tuple[list[str], str, list[tuple[str, str]]]
# fmt: off
TOPICS: list[Topic] = [
    (
        ["how do I reset my password?", "I forgot my password", "can't log in, forgot my password on my {device}"],
        "No problem. On the sign-in screen, choose \"Forgot password?\", enter your account email and we'll send a reset link that is valid for 30 minutes. If it doesn't arrive, check your spam folder.",
        [("The link says it has expired.", "Reset links expire after 30 minutes. Just request a new one from the sign-in screen; only the newest link works."),
         ("I don't have access to that email any more.", "In that case write to support@plumtree.example from any address with your name and roughly when you signed up; the team can verify you and move the account to a new email.")],
    ),
    (
        ["how do I turn on dark mode?", "is there a dark theme?", "where is dark mode on the {device} app?"],
        f"Yes. Open {SETTINGS} → Appearance and choose Dark, or System to follow your device's setting.",
        [("Can I schedule it?", "Not inside Plumtree Planner itself, but if you pick System it follows your device, and most devices can switch to dark mode on a schedule.")],
    ),
    (
        ["how do I create a recurring task?", "can tasks repeat every week?", "I need a task that repeats on the first monday of each month"],
        "Open the task, tap or click the date, then choose Repeat. You can pick daily, weekly, monthly (by date or by weekday, e.g. \"first Monday\") or yearly, and set an end date if you like.",
        [("What happens if I complete it late?", "The next occurrence is still based on the original schedule. If you'd rather repeat from the completion date, turn on \"Repeat after completion\" in the same menu.")],
    ),
    (
        ["can I import my Google Calendar?", "how do I move my events from another calendar app?", "import calendar from outlook"],
        f"Yes. Export an .ics file from your other calendar, then in Plumtree Planner go to {SETTINGS} → Import & Export → Import calendar and choose the file. Events are added to a new calendar so nothing gets mixed up.",
        [("Will it keep syncing after that?", "An .ics import is a one-time copy. To keep it in sync, use Import & Export → Subscribe to calendar and paste the calendar's public or secret iCal address instead; subscriptions refresh about every hour.")],
    ),
    (
        ["how do I export my tasks?", "can I get my data out as a spreadsheet?", "export to csv"],
        f"Go to {SETTINGS} → Import & Export → Export. Tasks export as CSV and calendars as .ics; you'll get a zip file with everything.",
        [],
    ),
    (
        ["what's the difference between Free and Plus?", "what do I get with Plus?", "is plus worth it"],
        "Free includes unlimited tasks, two calendars and 100 MB of attachments. Plus (4 USD a month or 40 USD a year) adds unlimited calendars, 10 GB of attachments, custom reminders and themes, and priority support.",
        [("Is there a trial?", "Yes, Plus comes with a 14-day free trial. You won't be charged if you cancel before it ends."),
         ("Do you have student pricing?", "Yes, students get 50% off Plus. Apply from Settings → Subscription → Student discount with your school email.")],
    ),
    (
        ["how do I cancel my subscription?", "I want to stop paying for Plus", "cancel plus on my {device}"],
        "If you subscribed on the web, go to Settings → Subscription → Cancel. If you subscribed through the App Store or Google Play, cancel it in that store's subscription settings. You keep Plus until the end of the period you've paid for.",
        [("Can I get a refund?", "Web purchases can be refunded within 14 days: write to billing@plumtree.example with your account email. App Store and Google Play refunds are handled by Apple and Google.")],
    ),
    (
        ["my tasks are not syncing between devices", "sync isn't working on my {device}", "changes on my phone don't show up on my laptop"],
        "Sorry about that. First check that you're signed in to the same account on both devices (Settings → Account). Then pull down on the task list (or press Ctrl/Cmd+R on desktop) to force a sync. If a device was offline, its changes upload as soon as it reconnects.",
        [("Still not working.", "Please sign out and back in on the device that's behind. Your data is safe on our servers. If that doesn't help, send us the diagnostics from Settings → Help → Send diagnostics and we'll take a look."),
         ("Do I lose anything if I sign out?", "Anything that has already synced is safe. Changes made while offline that haven't synced yet would be lost, so connect to the internet and wait for the sync icon to stop spinning first.")],
    ),
    (
        ["does it work offline?", "can I use the app without internet?", "offline mode on {device}?"],
        "Yes. The mobile and desktop apps work fully offline and sync when you're back online. The web app needs a connection.",
        [],
    ),
    (
        ["how do I share a list with my partner?", "can I share a calendar with my family?", "how to invite someone to a list"],
        "Open the list or calendar, choose Share, and enter the other person's email. They can view or edit depending on the permission you pick. They'll need a Plumtree Planner account, and a Free account is enough.",
        [("Can I stop sharing later?", "Yes. Open Share again and remove the person; they lose access straight away and their copy disappears from their devices.")],
    ),
    (
        ["notifications don't arrive on my {device}", "I'm not getting reminders", "reminders are silent"],
        "Please check two things: that notifications are allowed for Plumtree Planner in your device's system settings, and that the reminder itself is turned on (open the task → Reminder). On Android, also exclude the app from battery optimisation, as that can delay reminders.",
        [("They work but arrive late.", "Late reminders are almost always battery saving. Allow the app to run in the background and, on iPhone, make sure Background App Refresh is on for Plumtree Planner.")],
    ),
    (
        ["how do I delete my account?", "I want to close my account and remove my data"],
        "You can delete your account in Settings → Account → Delete account. Cancel any App Store or Google Play subscription first. Deletion is permanent after 30 days; until then you can sign in to restore it.",
        [("Is my data really deleted?", "Yes. After the 30-day grace period your tasks, calendars and attachments are removed from our servers, and from backups within a further 30 days.")],
    ),
    (
        ["I deleted a task by mistake", "how do I restore something I deleted?", "where is the trash?"],
        "Deleted items go to the Trash for 30 days. Open the sidebar (or the menu on mobile), choose Trash, select the item and click Restore.",
        [("What if it's older than 30 days?", "Then it has been removed permanently, sorry. If it was important, write to support@plumtree.example within a few days and we'll check whether a backup can help.")],
    ),
    (
        ["how do I change the time zone?", "my events show the wrong time after travelling"],
        f"Plumtree Planner follows your device's time zone by default. To pin one, go to {SETTINGS} → Calendar → Time zone and turn off \"Use device time zone\". You can also give a single event its own time zone in the event's details.",
        [],
    ),
    (
        ["are there keyboard shortcuts?", "list of shortcuts for the desktop app?"],
        "Yes. Press ? anywhere on web or desktop to see them all. The most used are N for a new task, E for a new event, / to search and T to jump to today.",
        [],
    ),
    (
        ["how do I turn on two-factor authentication?", "can I use 2FA?", "set up an authenticator app"],
        "Go to Settings → Account → Security → Two-factor authentication, scan the QR code with an authenticator app and enter the six-digit code. Save the backup codes somewhere safe.",
        [("I lost my phone with the authenticator.", "Sign in with one of your backup codes, then set up two-factor authentication again on your new phone. Without backup codes, write to support@plumtree.example and we'll verify your identity.")],
    ),
    (
        ["what's the maximum file size for attachments?", "can I attach PDFs to tasks?", "attachment won't upload"],
        "You can attach any file type. A single file can be up to 25 MB on Free and 250 MB on Plus; in total, Free accounts have 100 MB and Plus accounts 10 GB.",
        [("How do I see how much space I'm using?", "Settings → Subscription shows your storage use, and you can sort attachments by size there to free up space.")],
    ),
    (
        ["is there a widget for the home screen?", "how do I add the widget on my {device}?"],
        "Yes, on iPhone, iPad and Android. Long-press your home screen, add a widget, search for Plumtree Planner and choose Today, Upcoming or a single list.",
        [],
    ),
    (
        ["how do teams work?", "can my whole company use it?", "what is a team workspace"],
        "A Team workspace gives everyone shared lists and calendars, member roles (Owner, Admin, Member, Guest) and central billing. It costs 6 USD per member per month, and you can create one from Settings → Teams → New team.",
        [("Can guests see everything?", "No. Guests only see the lists and calendars they are explicitly invited to, and they don't count towards your paid seats."),
         ("How do I remove someone who left?", "An Owner or Admin can remove them in Settings → Teams → Members. Their tasks stay in the workspace and can be reassigned.")],
    ),
    (
        ["the app crashes when I open it on my {device}", "app keeps closing", "plumtree planner won't start"],
        "Sorry about that! Please make sure you have the latest version from your app store, then restart your device. If it still crashes, send a report from Settings → Help → Send diagnostics (on desktop) or reply here with your device model and system version so we can investigate.",
        [],
    ),
    (
        ["can I change the first day of the week?", "my week starts on sunday but I want monday"],
        f"Sure. In {SETTINGS} → Calendar → Start week on, choose Monday (or any other day).",
        [],
    ),
    (
        ["how do I add a task with email?", "can I forward emails into my inbox list?"],
        "Yes. Every account has a private address shown in Settings → Integrations → Email to task. Forward an email there and it becomes a task in your Inbox list, with the subject as the title.",
        [("Can I choose which list it goes to?", "Add #listname to the subject line, e.g. \"Renew passport #Errands\", and the task lands in that list instead of the Inbox.")],
    ),
    (
        ["is my data encrypted?", "how secure is plumtree planner?", "where is my data stored"],
        "Your data is encrypted in transit (TLS) and at rest on our servers, which are in the EU. We never sell your data. The full details are in our privacy policy on plumtree.example/privacy.",
        [],
    ),
    (
        ["can I change the colour of a calendar?", "how do I colour-code my lists?"],
        "Yes. Right-click the calendar or list in the sidebar (or long-press it on mobile), choose Edit and pick a colour. Free accounts have 8 colours; Plus adds custom colours.",
        [],
    ),
    (
        ["why was I charged twice?", "double charge on my card", "I see two payments this month"],
        "I'm sorry for the worry. Often one of the two is a temporary authorisation that your bank releases within a few days. If both payments are still there after five days, write to billing@plumtree.example with the dates and amounts and we'll refund the duplicate.",
        [],
    ),
    (
        ["how do I print my calendar?", "can I print a weekly view?"],
        "On web or desktop, open the view you want (day, week or month) and choose File → Print, or press Ctrl/Cmd+P. You can print with or without task lists.",
        [],
    ),
    (
        ["can I connect it to Slack?", "what integrations do you have?"],
        "Plumtree Planner connects with Slack, Zapier and any calendar that supports iCal. Set them up in Settings → Integrations. A public API is on our roadmap but isn't available yet.",
        [],
    ),
    (
        ["how do I change my email address?", "I need to update the email on my account"],
        "Go to Settings → Account → Email, enter the new address and confirm it from the message we send there. Your sign-in email changes once it's confirmed.",
        [],
    ),
    (
        ["can I set a reminder for a specific location?", "remind me when I get to the supermarket"],
        "Yes, on iPhone and Android with Plus. Open the task → Reminder → Location and pick a place; you'll be reminded when you arrive or leave. The app needs location permission for this.",
        [],
    ),
    (
        ["how do I move a task to another list?", "drag tasks between lists?"],
        "Drag the task onto a list in the sidebar on web and desktop. On mobile, open the task and tap the list name at the top to choose another one. You can select several tasks and move them together.",
        [],
    ),
]
# fmt: on

# Half of the topics have follow-ups, so about a third of the conversations are multi-turn.
FOLLOW_UP_CHANCE = 0.65


def _style(rng: random.Random, text: str, device: str) -> str:
    """Phrase a question the way different users type it."""
    text = text.format(device=device)
    greeting = rng.choice(GREETINGS)
    # After "Hello! " a new sentence starts; with no greeting some people type in lower case.
    capitalise = greeting.rstrip().endswith(("!", ".")) if greeting else rng.random() < 0.6
    if capitalise:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.2:
        text = text.rstrip("?.")
    return (greeting + text).strip()


def build(*, seed: int = 20261124, count: int = 240) -> list[dict[str, list[dict[str, str]]]]:
    """Return ``count`` distinct conversations, each a system message plus 1-2 exchanges."""
    rng = random.Random(seed)
    rows: list[dict[str, list[dict[str, str]]]] = []
    seen: set[tuple[str, ...]] = set()
    while len(rows) < count:
        questions, answer, followups = rng.choice(TOPICS)
        question = _style(rng, rng.choice(questions), rng.choice(DEVICES))
        turns = [("user", question), ("assistant", answer)]
        if followups and rng.random() < FOLLOW_UP_CHANCE:
            follow_question, follow_answer = rng.choice(followups)
            if rng.random() < 0.3:
                follow_question = rng.choice(["Thanks! ", "Ok. ", "Got it. "]) + follow_question
            turns += [("user", follow_question), ("assistant", follow_answer)]
        key = tuple(text for _, text in turns)
        if key in seen:
            continue
        seen.add(key)
        messages = [{"role": "system", "content": SYSTEM}]
        messages += [{"role": role, "content": text} for role, text in turns]
        rows.append({"messages": messages})
    return rows
