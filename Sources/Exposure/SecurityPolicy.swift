import FoundationEssentials

/// systemd's --security-policy file: a JSON object keyed by a check's json_field, each entry
/// optionally overriding "weight", "range", "description_good", "description_bad", "description_na".
public struct SecurityPolicy: Sendable {
    public struct Entry: Sendable {
        public var weight: UInt64?
        public var range: UInt64?
        public var good: String?
        public var bad: String?
        public var notApplicable: String?
    }
    public var entries: [String: Entry]

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(entries: [String: Entry]) { self.entries = entries }

    /// The largest weight and range a policy may give (systemd's own are at most 2500 and 10).
    public static let maximumWeight: UInt64 = 1 << 30
    public static let maximumRange: UInt64 = 1 << 20

    public init(json data: Data, source: String) throws(ParseError) {
        let top: [String: [String: Scalar]]
        do { top = try JSONDecoder().decode([String: [String: Scalar]].self, from: data) } catch {
            throw ParseError(description: "\(source): not a JSON object of objects keyed by json_field")
        }
        var entries: [String: Entry] = [:]
        for (field, item) in top {
            var e = Entry()
            e.weight = try item["weight"]?.unsigned("\(source): \(field).weight")
            e.range = try item["range"]?.unsigned("\(source): \(field).range")
            if e.range == 0 { throw ParseError(description: "\(source): \(field).range must be at least 1") }
            // The score multiplies badness (at most the range), weight and 100 in 64 bits, and sums
            // 81 of them: these bounds keep every product far from overflowing (systemd's wraps).
            if let w = e.weight, w > Self.maximumWeight {
                throw ParseError(description: "\(source): \(field).weight must be at most \(Self.maximumWeight)")
            }
            if let r = e.range, r > Self.maximumRange {
                throw ParseError(description: "\(source): \(field).range must be at most \(Self.maximumRange)")
            }
            e.good = try item["description_good"]?.text("\(source): \(field).description_good")
            e.bad = try item["description_bad"]?.text("\(source): \(field).description_bad")
            e.notApplicable = try item["description_na"]?.text("\(source): \(field).description_na")
            entries[field] = e
        }
        self.entries = entries
    }

    /// A JSON value inside a policy entry; only integers and strings mean something.
    private enum Scalar: Decodable {
        case integer(UInt64), string(String), other

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(UInt64.self) { self = .integer(n) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else { self = .other }
        }

        func unsigned(_ what: String) throws(ParseError) -> UInt64 {
            guard case .integer(let n) = self else { throw ParseError(description: "\(what) must be a non-negative integer") }
            return n
        }

        func text(_ what: String) throws(ParseError) -> String {
            guard case .string(let s) = self else { throw ParseError(description: "\(what) must be a string") }
            return s
        }
    }

    func weight(_ c: Check) -> UInt64? { entries[c.jsonField]?.weight }
    func range(_ c: Check) -> UInt64? { entries[c.jsonField]?.range }
    func description(_ c: Check, badness: UInt64?) -> String? {
        guard let e = entries[c.jsonField] else { return nil }
        switch badness {
        case nil: return e.notApplicable
        case 0?: return e.good
        case c.range?: return e.bad
        default: return nil
        }
    }
}
