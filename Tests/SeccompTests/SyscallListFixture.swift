@testable import Seccomp
import Directives

/// Builds SystemCallFilter=/SystemCallLog= lists for tests the way systemd 252 merges
/// them (first line decides allow or deny; allow lists start from @default), until the
/// Directives parser is wired in through PolicyFromExecContext.
enum SyscallListFixture {
    static func list(_ lines: [String], implicitDefault: Bool = true) -> SystemdSyscallSettings.SyscallList {
        var isAllowList: Bool?
        var entries: [String: SeccompAction?] = [:]
        for line in lines {
            let invert = line.hasPrefix("~")
            if isAllowList == nil {
                isAllowList = !invert
                if !invert && implicitDefault {
                    for name in SyscallGroups.expand("@default", rules: .v252)! { entries[name] = .some(nil) }
                }
            }
            for word in line.dropFirst(invert ? 1 : 0).split(separator: " ") {
                let parts = word.split(separator: ":", maxSplits: 1).map(String.init)
                let action: SeccompAction? = parts.count == 2
                    ? (parts[1] == "kill" ? .killProcess : .errno(ErrnoName.parse(parts[1])!)) : nil
                let names = parts[0].hasPrefix("@") ? SyscallGroups.expand(parts[0], rules: .v252)! : [parts[0]]
                for name in names {
                    if invert == isAllowList! && !(invert && action != nil) {
                        entries[name] = nil  // a later line takes it back
                    } else {
                        entries[name] = .some(action)
                    }
                }
            }
        }
        return .init(isAllowList: isAllowList ?? false, entries: entries)
    }
}
