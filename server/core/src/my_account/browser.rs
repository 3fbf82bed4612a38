//! A User-Agent as a person recognises their own device.

/// "Chrome 131 on Android 14", "Firefox 133 on Windows 10", "Safari 18 on
/// iPhone 18.1"; "Unknown browser" when the parser knows neither the
/// browser nor the system (a script, a bot, a blank header).
pub fn describe_browser(user_agent: &str) -> String {
    let Some(parsed) = woothee::parser::Parser::new().parse(user_agent) else {
        return "Unknown browser".to_owned();
    };
    let known = |text: &str| !text.is_empty() && text != woothee::woothee::VALUE_UNKNOWN;
    let browser = if known(parsed.name) {
        match parsed
            .version
            .split('.')
            .next()
            .filter(|major| known(major))
        {
            Some(major) => format!("{} {major}", parsed.name),
            None => parsed.name.to_owned(),
        }
    } else {
        "Unknown browser".to_owned()
    };
    if !known(parsed.os) {
        return browser;
    }
    // "Windows 10" already names its version; "Android" and "iPhone" need
    // theirs added.
    let system = if parsed.os.chars().any(|c| c.is_ascii_digit()) || !known(&parsed.os_version) {
        parsed.os.to_owned()
    } else {
        format!("{} {}", parsed.os, parsed.os_version)
    };
    format!("{browser} on {system}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe_browser(firefox), "Firefox 133 on Windows 10");
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        assert_eq!(describe_browser(android), "Chrome 131 on Android 14");
        // A script is named as what it is.
        assert!(describe_browser("curl/8.5.0").contains("curl"));
    }

    #[test]
    fn what_the_parser_does_not_know_is_said_plainly() {
        assert_eq!(describe_browser(""), "Unknown browser");
        assert_eq!(
            describe_browser("Mozilla/5.0 (compatible)"),
            "Unknown browser"
        );
        assert_eq!(describe_browser("\u{202e}evil"), "Unknown browser");
    }
}
