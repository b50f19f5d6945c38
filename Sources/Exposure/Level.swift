/// systemd's named exposure bands (overall exposure in tenths) and the face shown with each.
public enum Level: String, Sendable, CaseIterable {
    case perfect = "PERFECT", safe = "SAFE", ok = "OK", medium = "MEDIUM"
    case exposed = "EXPOSED", unsafe = "UNSAFE", dangerous = "DANGEROUS"

    public init(tenths: UInt64) {
        switch tenths {
        case 100...: self = .dangerous
        case 90...: self = .unsafe
        case 75...: self = .exposed
        case 50...: self = .medium
        case 10...: self = .ok
        case 1...: self = .safe
        default: self = .perfect
        }
    }

    public var emoji: String {
        switch self {
        case .perfect: "😇"
        case .safe: "😀"
        case .ok: "🙂"
        case .medium: "😐"
        case .exposed: "🙁"
        case .unsafe: "😨"
        case .dangerous: "🤢"
        }
    }

    /// The face systemd prints when the terminal cannot show UTF-8.
    public var asciiFace: String {
        switch self {
        case .perfect: ":-]"
        case .safe: ":-}"
        case .ok: ":-)"
        case .medium: ":-|"
        case .exposed: ":-("
        case .unsafe: ":-{"
        case .dangerous: ":-["
        }
    }

    /// ANSI colour of the level name (nil: default colour).
    public var ansiColor: String? {
        switch self {
        case .dangerous, .unsafe: "\u{1B}[0;1;31m"
        case .exposed: "\u{1B}[0;1;33m"
        case .medium: nil
        case .ok, .safe, .perfect: "\u{1B}[0;1;32m"
        }
    }
}
