import Jail
#if canImport(Glibc)
import Glibc
#endif

/// The pages of code brig ran only to start (argument parsing, unit loading, the directive
/// registry), unmapped once the listeners are ready. A listener idles for days; what `ps` shows
/// for it should be what it uses. Each page fault on a file's code maps the pages around it too
/// (the kernel's fault-around), so start-up leaves most of brig's 14 MB of code mapped.
/// MADV_DONTNEED on an executable mapping drops those page table entries; the pages stay in the
/// page cache, and the code the loop runs later is mapped again on its first use.
///
/// Only mappings that are executable and not writable: their pages are the file's own and never
/// private copies, so nothing is lost. Writable or read-only data (relocated at start, as the
/// GOT is) is never touched.
enum StartupPages {
    static func release() {
        // A debugger's breakpoints are private copies of code pages, which this would drop.
        if let status = SystemFiles.read("/proc/self/status"),
           status.split(separator: "\n").contains(where: { $0.hasPrefix("TracerPid:") && $0.split(separator: "\t").last != "0" }) { return }
        guard let maps = SystemFiles.read("/proc/self/maps") else { return }
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            // address perms offset dev inode [path]: only a file's code ("r-xp" and a path).
            guard fields.count == 6, fields[1] == "r-xp", fields[5].drop(while: { $0 == " " }).hasPrefix("/") else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            _ = madvise(address, Int(end - start), MADV_DONTNEED)
        }
    }
}
