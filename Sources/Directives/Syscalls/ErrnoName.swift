/// errno names and numbers of Linux x86-64, the names glibc's <errno.h> defines
/// (including aliases such as EWOULDBLOCK), which is the list systemd accepts.
public enum ErrnoName {
    /// The largest errno value the kernel can return (MAX_ERRNO).
    public static let maximum: Int32 = 4095

    private static let numbersByName: [String: Int32] =
        Dictionary(errnoNumbers, uniquingKeysWith: { first, _ in first })
    // The data lists each number's canonical name before its aliases.
    private static let namesByNumber: [Int32: String] =
        Dictionary(errnoNumbers.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })

    public static func number(of name: String) -> Int32? { numbersByName[name] }

    /// The canonical name (EAGAIN, not EWOULDBLOCK), or nil for numbers without one.
    public static func name(of number: Int32) -> String? { namesByNumber[number] }

    public static var allNames: some Collection<String> { numbersByName.keys }

    /// A name or a decimal number 0...4095, as systemd's parse_errno() takes it.
    public static func parse(_ text: String) -> Int32? {
        if let number = numbersByName[text] { return number }
        guard !text.isEmpty, text.allSatisfy(\.isASCII), let value = Int32(text),
              (0...maximum).contains(value) else { return nil }
        return value
    }
}
