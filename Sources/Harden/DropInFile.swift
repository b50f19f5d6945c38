import Jail
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// Where and how the drop-in is installed: NAME.service.d/50-brig-harden.conf beside the unit
/// file given (or in /etc/systemd/system for a unit named), written to a temporary file and
/// renamed over the old one, which is kept as 50-brig-harden.conf.bak.
public enum DropInFile {
    public static let name = "50-brig-harden.conf"

    /// The directory of the drop-in for `unit` as the user named it.
    public static func directory(for unit: String, unitName: String) -> String {
        let base = unit.contains("/") ? String(unit[..<unit.lastIndex(of: "/")!]) : "/etc/systemd/system"
        return (base.isEmpty ? "" : base) + "/" + unitName + ".d"
    }

    /// Installs `text`; returns the path written.
    public static func install(_ text: String, in directory: String) throws(HardenError) -> String {
        let code = SystemFiles.makeDirectories(directory, mode: 0o755)
        if code != 0 { throw .system("creating \(directory)", code) }
        let path = directory + "/" + name
        var template = Array((directory + "/." + name + ".XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        if fd < 0 { throw .system("creating a file in \(directory)", errno) }
        let temporary = String(cText: template)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let ok = written == bytes.count && fchmod(fd, 0o644) == 0 && fsync(fd) == 0
        let failure = errno
        close(fd)
        guard ok else {
            unlink(temporary)
            throw .system("writing \(temporary)", failure)
        }
        if access(path, F_OK) == 0 {
            unlink(path + ".bak")
            if link(path, path + ".bak") != 0 {
                let e = errno
                unlink(temporary)
                throw .system("keeping \(path) as \(path).bak", e)
            }
        }
        if rename(temporary, path) != 0 {
            let e = errno
            unlink(temporary)
            throw .system("installing \(path)", e)
        }
        return path
    }

    /// A unified diff of the installed drop-in (empty when there is none) against `text`.
    public static func diff(installed path: String, against text: String) -> String {
        let old = (SystemFiles.read(path) ?? "").split(separator: "\n").map(String.init)
        let new = text.split(separator: "\n").map(String.init)
        // Longest common subsequence, small files.
        var table = Array(repeating: Array(repeating: 0, count: new.count + 1), count: old.count + 1)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                table[i][j] = old[i] == new[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var out = "--- \(path)\n+++ \(path) (brig harden)\n"
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, old[i] == new[j] {
                out += " \(old[i])\n"; i += 1; j += 1
            } else if j < new.count, i == old.count || table[i][j + 1] >= table[i + 1][j] {
                out += "+\(new[j])\n"; j += 1
            } else {
                out += "-\(old[i])\n"; i += 1
            }
        }
        return out
    }
}
