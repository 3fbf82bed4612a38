//! What the service says about itself: the accessibility statement
//! (`/accessibility`) and the privacy notice (`/privacy`).
//!
//! Both are plain text rendered on the server. Every claim in them is one
//! the code and its tests bear out: the retention periods are the defaults
//! of `threshold_core::retention` and the session and device policies
//! (README, "Retention"); the tests named are end2end/tests/look.spec.ts,
//! foundation.spec.ts, contrast.spec.ts and home.spec.ts. Change the words
//! when those change.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccessibilityPage() -> impl IntoView {
    view! {
        <Title text="Accessibility statement · Threshold"/>
        <article class="prose" aria-labelledby="accessibility-title">
            <h1 id="accessibility-title">"Accessibility statement"</h1>
            <p>
                "This statement is about this account service: the home page, the Log in, "
                "Register and Forgotten password windows, the Help centre, Contact support, "
                "and the support console used by support staff."
            </p>
            <p>"We want everyone who needs it to be able to use this service. You should be able to:"</p>
            <ul>
                <li>"use every page and window with a keyboard alone"</li>
                <li>"see where you are on the page: the part in use has a yellow highlight with a dark bar or outline"</li>
                <li>"use the public pages on a screen 320 pixels wide, or zoomed to 400%, without scrolling sideways"</li>
                <li>"read hints and error messages at the same size as other text, and find each error next to the field it is about"</li>
            </ul>

            <h2>"How accessible this service is"</h2>
            <p>
                "We aim to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA. "
                "We check this with automated tests each time the service changes. "
                "It has not been audited by an outside organisation."
            </p>

            <h2>"What we test"</h2>
            <ul>
                <li>
                    "The home page, the Log in, Register, Forgotten password and Choose a new password "
                    "windows, the Help centre, Contact support, this statement, the privacy notice and "
                    "the support console are checked with axe-core in the Chromium browser against the "
                    "WCAG 2.0, 2.1 and 2.2 A and AA rules it covers, most of them at 360 and 1280 pixels "
                    "wide. We allow no serious or critical problem."
                </li>
                <li>
                    "Windows with a keyboard: focus moves into a window when it opens, Tab stays inside it, "
                    "Esc closes it and focus goes back to the button that opened it."
                </li>
                <li>
                    "Contrast, measured in the browser for every control in the Log in, Register and "
                    "Forgotten password windows and on Contact support, as it first appears, with "
                    "keyboard focus and after an error: the edges of fields and the focus highlight "
                    "at least 3 to 1 against what is around them, text at least 4.5 to 1, hints and "
                    "error messages at least 16 pixels on a phone, and buttons at least 44 pixels each way."
                </li>
                <li>
                    "No sideways scrolling on the public pages at 320 and 360 pixels wide, and Log in "
                    "at the top right of the page at every width."
                </li>
                <li>"Nothing on the home page or the Help centre moves once the page has finished loading."</li>
            </ul>

            <h2>"What does not work well yet"</h2>
            <ul>
                <li>
                    "Pages do not yet work fully without JavaScript. The pages show, but the Log in, "
                    "Register and Forgotten password windows need it, and we have not tested the forms without it."
                </li>
                <li>
                    "The support console, used only by support staff, needs JavaScript for its "
                    "live lists of activity and requests."
                </li>
                <li>
                    "We have not yet tested the service with screen readers, with speech recognition "
                    "or with disabled people. Automated tests find only some problems."
                </li>
            </ul>

            <h2>"Reporting a problem"</h2>
            <p>
                "If something on this service is hard to use, or you need it in a different way, "
                <a href="/contact-support">"contact support"</a>
                ". Tell us which page or window it was and what happened. We reply to the email "
                "address you give."
            </p>

            <h2>"About this statement"</h2>
            <p>"This statement was written on 3 December 2026."</p>
        </article>
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <Title text="Privacy · Threshold"/>
        <article class="prose" aria-labelledby="privacy-title">
            <h1 id="privacy-title">"Privacy"</h1>
            <p>
                "This notice says what this account service holds about you, why it holds it, "
                "how long it keeps it and who can see it."
            </p>

            <h2>"What we hold"</h2>
            <ul>
                <li>
                    "Your account: first name, surname, email address, username, account type "
                    "(practitioner, practice admin or support), any registration numbers you give "
                    "(GMC, NMC, NTN, college or other), and your practice name if you are a practice admin."
                </li>
                <li>"Email addresses your account used before, with when each changed and who changed it."</li>
                <li>
                    "Your password, only as an Argon2id hash: a one-way scrambled form that lets us "
                    "check a password you type. Nobody can read your password from it."
                </li>
                <li>
                    "Sessions: while you are logged in your browser holds a cookie with a random code. "
                    "We keep only a scrambled form of that code, with when the session started and was last used."
                </li>
                <li>
                    "Devices: a cookie that tells us this browser has logged in to your account before, "
                    "so a stranger cannot use up your requests for a reset email. Again we keep only a scrambled form of it."
                </li>
                <li>
                    "Events: logins, failed logins, delays and locks after failed logins, registrations, "
                    "reset requests, emails sent or not delivered, and changes made by support, each with its time."
                </li>
                <li>
                    "Emails we send you and their deliveries: each message, each attempt to deliver it, "
                    "and the reply of the mail server that received it. The new password in a reset "
                    "email is erased from our copy once the email has been sent or given up."
                </li>
                <li>"Requests you send to support, and each step support takes on them."</li>
                <li>
                    "The support audit trail: every change support staff make to an account, "
                    "who made it, when, and what it was before and after."
                </li>
                <li>
                    "Your network address, only to limit how many attempts come from one place. "
                    "It is not written to the service's logs."
                </li>
            </ul>
            <p>"We do not use cookies for advertising or to follow you to other sites, and this service has no analytics."</p>

            <h2>"Why we hold it"</h2>
            <ul>
                <li>"To let you register, log in with your username or email address, and get back in when you cannot."</li>
                <li>"To protect accounts from people guessing passwords."</li>
                <li>"So that support can find your account and see what happened when you ask for help."</li>
            </ul>

            <h2>"How long we keep it"</h2>
            <ul>
                <li>
                    "Your account and its details: for as long as the account exists. The service "
                    "cannot yet delete an account; support can disable one."
                </li>
                <li>"Sessions: deleted after 30 minutes without use, or 12 hours after you logged in."</li>
                <li>"Devices: forgotten after a year without a login from that browser."</li>
                <li>"Reset passwords: deleted when used, or after 24 hours."</li>
                <li>"Events: 180 days."</li>
                <li>"Emails and their delivery records: 30 days after they were sent or given up."</li>
                <li>"Counts of failed logins for names that belong to no account: 30 days after the last failure."</li>
                <li>"Limits by network address: deleted once the limit has refilled."</li>
                <li>"Requests to support and their history: kept; they are not yet deleted automatically."</li>
                <li>"The support audit trail: kept for good."</li>
            </ul>
            <p>"The periods for events and emails are the service's standard settings; whoever runs it can change them."</p>

            <h2>"Who can see it"</h2>
            <p>
                "Support staff, through the support console, so that they can help people get back "
                "into their accounts. Every change they make to an account is recorded in the audit "
                "trail with their name. Nobody else can see your details through this service."
            </p>

            <h2>"Questions"</h2>
            <p>
                "To ask what we hold about you, or to have something put right, "
                <a href="/contact-support">"contact support"</a>"."
            </p>
        </article>
    }
}
