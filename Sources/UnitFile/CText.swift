extension String {
    /// The text a C call wrote into `buffer` (gethostname(), inet_ntop(), a kernel verifier's log):
    /// up to its first NUL, or all of it where there is none; bad UTF-8 is replaced, not refused.
    public init(cText buffer: some Collection<CChar>) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
