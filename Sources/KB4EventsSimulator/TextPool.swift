/// Fixed pools the generator draws names and texts from. Changing them changes every seed's data.
enum TextPool {
    static let firstNames = [
        "ana", "bruno", "chen", "dmitri", "elif", "farah", "gustavo", "hana", "ivan", "jamal", "keiko", "lars",
        "maria", "nadia", "omar", "priya", "quinn", "rafael", "sofia", "tomas", "uma", "victor", "wei", "yusuf",
        "zoe", "aiko", "bjorn", "carmen", "deepak", "eva",
    ]
    static let lastNames = [
        "silva", "okafor", "nakamura", "novak", "schmidt", "haddad", "kowalski", "garcia", "ivanova", "patel",
        "oconnor", "rossi", "dubois", "yilmaz", "santos", "mueller", "kim", "andersen", "moreau", "singh",
    ]
    static let domains = ["corp.example", "eu.corp.example", "subsidiary.example"]

    static let eventTypes: [(name: String, description: String)] = [
        ("macro_blocked", "An Office macro was blocked by policy"),
        ("phish_reported", "The user reported a suspicious e-mail"),
        ("malware_detected", "Endpoint protection quarantined a file"),
        ("usb_inserted", "An unapproved USB storage device was connected"),
        ("password_reuse", "A corporate password was found reused elsewhere"),
        ("dlp_violation", "Data loss prevention blocked an upload"),
        ("mfa_fatigue", "The user approved an unexpected MFA prompt"),
        ("impossible_travel", "Sign-ins from two distant places within an hour"),
        ("risky_sign_in", "Identity provider flagged a sign-in, \"medium\" risk"),
        ("Training Overdue", "Security awareness training is overdue"),
        ("vpn_anomaly", "VPN session from an unusual network"),
    ]

    static let sources = ["EDR", "SIEM", "Proofpoint", "CrowdStrike", "okta", "phishing-sim", "DLP", "Custom Script"]

    static let plainDescriptions = [
        "Ran blocked macro", "Reported phishing e-mail", "Clicked a simulated phishing link",
        "Entered credentials on a test landing page", "Opened an attachment from an external sender",
        "Connected an unknown USB device", "Quarantined file on the laptop", "Approved a push notification at 03:12",
        "Uploaded a spreadsheet to a personal cloud drive", "Signed in from a new country",
    ]

    /// Texts that trip CSV writers, JSON escapers, spreadsheets and terminals.
    static let trickyDescriptions = [
        "Comma, separated, words",
        "Reported the \"urgent invoice\" e-mail",
        "Quote \"inside\" and 'single' quotes, plus a comma",
        "First line\nsecond line",
        "Windows line\r\nsecond line\r\n",
        "Tab\tseparated\tvalues\t",
        "Emoji 😀 and a family 👨‍👩‍👧‍👦 and a flag 🇵🇹",
        "Rainbow 🏳️‍🌈 flag, skin tone 👍🏽, keycap 1️⃣",
        "تم الإبلاغ عن رسالة تصيد احتيالي",
        "用户点击了可疑链接，并输入了密码",
        "Пользователь открыл вложение «счёт.docm»",
        "उपयोगकर्ता ने संदिग्ध लिंक पर क्लिक किया",
        "=HYPERLINK(\"http://attacker.example/x\",\"click me\")",
        "+1 (555) 010-0199 called the help desk",
        "-2 points for password reuse",
        "@here phishing message in the team chat",
        "C:\\Users\\ana\\Downloads\\invoice.pdf.exe",
        "Backslash at the end \\",
        "\"",
        "  leading and trailing spaces  ",
        "Control \u{01} char, unit separator \u{1F} and delete \u{7F}",
        "Path /var/tmp/payload and a slash / kept",
        "Mixed accents: café, naïve, Zürich, straße, Łódź",
        "<script>alert('x')</script> & more",
        "Backspace \u{08} and form feed \u{0C} inside",
        "Line with a trailing newline\n",
        "JSON-looking {\"a\":[1,2]} text",
        String(repeating: "Long description with padding. ", count: 8) + String(repeating: "x", count: 7),
    ]

    static let hosts = ["wks-0142", "lap-ana-01", "srv-mail-02", "mac-studio-7", "vdi-pool-19"]
    static let tags = ["finance", "vip", "remote", "contractor", "emea", "apac", "on-call"]
}
