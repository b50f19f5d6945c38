/// Zeller's ddmin: from a set of elements that together make a test fail, a subset that still
/// fails and from which no single element can be taken away (1-minimal). `fails` is asked
/// about subsets only; results are remembered, so no subset is tried twice.
struct DeltaDebugging<Element: Hashable> {
    var fails: ([Element]) throws -> Bool
    private var known: [Set<Element>: Bool] = [:]

    init(fails: @escaping ([Element]) throws -> Bool) { self.fails = fails }

    mutating func minimalFailing(_ elements: [Element]) throws -> [Element] {
        var current = elements
        var parts = 2
        while current.count >= 2 {
            let chunks = Self.split(current, into: parts)
            var reduced = false
            // A part that fails alone, then the complement of a part (with two parts, the other part: remembered).
            for chunk in chunks where try test(chunk) {
                current = chunk
                parts = 2
                reduced = true
                break
            }
            if !reduced {
                for chunk in chunks {
                    let complement = current.filter { !chunk.contains($0) }
                    if try test(complement) {
                        current = complement
                        parts = max(parts - 1, 2)
                        reduced = true
                        break
                    }
                }
            }
            if !reduced {
                if parts >= current.count { break }
                parts = min(current.count, parts * 2)
            }
        }
        return current
    }

    private mutating func test(_ subset: [Element]) throws -> Bool {
        let key = Set(subset)
        if let answer = known[key] { return answer }
        let answer = try fails(subset)
        known[key] = answer
        return answer
    }

    /// `elements` in `parts` runs of nearly equal length, in order.
    static func split(_ elements: [Element], into parts: Int) -> [[Element]] {
        let size = elements.count / parts, extra = elements.count % parts
        var result: [[Element]] = [], start = 0
        for index in 0..<parts {
            let length = size + (index < extra ? 1 : 0)
            if length > 0 { result.append(Array(elements[start..<start + length])) }
            start += length
        }
        return result
    }
}
