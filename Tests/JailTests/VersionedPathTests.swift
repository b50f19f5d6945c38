import Foundation
import Testing
import TestSupport
import Directives
import Jail

/// Picking from a versioned directory (systemd.v(7)) as systemd picks a service's RootDirectory=
/// (262's rules unless a test names others); the entries are made as a user would lay them out.
struct VersionedPathTests {
    /// A directory `NAME.v` holding a directory for each of `directories` and a file for each of `files`.
    static func versioned(_ dir: TemporaryDirectory, _ name: String = "root.v", directories: [String] = [], files: [String] = []) -> String {
        let path = dir.path + "/" + name
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for entry in directories { try! FileManager.default.createDirectory(atPath: path + "/" + entry, withIntermediateDirectories: true) }
        for entry in files { dir.write(name + "/" + entry, "") }
        return path
    }

    static func pick(_ path: String, suffix: String = "", directory: Bool = true, rules: SystemdRelease = .newest) -> String? {
        try? VersionedPath.resolve(path, suffix: suffix, wantDirectory: directory, rules: rules).get()
    }

    /// An architecture that is neither this one nor its secondary.
    static let foreign = Architecture.allCases.first { $0 != Architecture.native && $0 != Architecture.secondary }!

    @Test func aPathThatIsNotVersionedIsUsedAsItIs() {
        for path in ["/srv/root", "/", "/srv/root.v2", "/srv/plain/root___", "relative/root"] {
            #expect(Self.pick(path) == path)
        }
    }

    @Test func theNewestVersionWinsByVersionOrderNotByName() {
        let dir = TemporaryDirectory(prefix: "vpick")
        let root = Self.versioned(dir, directories: ["root_7.5.13", "root_7.6.0", "root_7.5.14", "root_7.10.1", "other_9", "root"])
        #expect(Self.pick(root) == root + "/root_7.10.1")
        #expect(Self.pick(root + "/") == root + "/root_7.10.1", "a slash after the name changes nothing")
    }

    /// 262 takes UAPI.10's characters in a version; 256 to 261 took ",", "_" and "+" but no "~" or "^".
    @Test func whichVersionsAreValidDependsOnTheRelease() {
        let dir = TemporaryDirectory(prefix: "vpick")
        let root = Self.versioned(dir, directories: ["root_1.0", "root_2.0~rc1", "root_1.5 beta", "root_3,0"])
        #expect(Self.pick(root, rules: .v262) == root + "/root_2.0~rc1", "a pre-release is a version, and \"3,0\" is not")
        #expect(Self.pick(root, rules: .v261) == root + "/root_3,0", "no pre-release before 262")
        let patched = Self.versioned(dir, "patched.v", directories: ["patched_1", "patched_1^p1", "patched_1.5+x"])
        #expect(Self.pick(patched, rules: .v262) == patched + "/patched_1^p1", "a + that counts no tries leaves an invalid version")
        #expect(Self.pick(patched, rules: .v256) == patched + "/patched_1.5+x")
    }

    @Test func entriesForAnotherArchitectureAreLeftOut() throws {
        let native = try #require(Architecture.native, "brig names no architecture here")
        let dir = TemporaryDirectory(prefix: "vpick")
        let root = Self.versioned(dir, directories: ["root_2_\(native.rawValue)", "root_9_\(Self.foreign.rawValue)", "root_1"])
        #expect(Self.pick(root) == root + "/root_2_\(native.rawValue)")
    }

    @Test func atTheSameVersionThisArchitectureComesBeforeItsSecondaryAndNone() throws {
        let native = try #require(Architecture.native, "brig names no architecture here")
        let dir = TemporaryDirectory(prefix: "vpick")
        var names = ["root_3", "root_3_\(native.rawValue)"]
        if let secondary = Architecture.secondary { names.append("root_3_\(secondary.rawValue)") }
        let root = Self.versioned(dir, directories: names)
        #expect(Self.pick(root) == root + "/root_3_\(native.rawValue)")
        if let secondary = Architecture.secondary {
            let other = Self.versioned(dir, "other.v", directories: ["other_3", "other_3_\(secondary.rawValue)"])
            #expect(Self.pick(other) == other + "/other_3_\(secondary.rawValue)")
        }
    }

    @Test func anEntryWithNoTriesLeftComesLastWhateverItsVersion() {
        let dir = TemporaryDirectory(prefix: "vpick")
        let root = Self.versioned(dir, directories: ["root_9+0-5", "root_8+0", "root_3"])
        #expect(Self.pick(root) == root + "/root_3")
        let onlyExhausted = Self.versioned(dir, "spent.v", directories: ["spent_1+0-3", "spent_2+0-3"])
        #expect(Self.pick(onlyExhausted) == onlyExhausted + "/spent_2+0-3", "still picked when nothing else is left")
    }

    @Test func atTheSameVersionMoreTriesLeftThenFewerDoneWin() {
        let dir = TemporaryDirectory(prefix: "vpick")
        let left = Self.versioned(dir, "left.v", directories: ["left_4+2-1", "left_4+3"])
        #expect(Self.pick(left) == left + "/left_4+3")
        let done = Self.versioned(dir, "done.v", directories: ["done_4+2-3", "done_4+2-1"])
        #expect(Self.pick(done) == done + "/done_4+2-1")
    }

    @Test func aPatternAfterTheVersionedDirectoryNamesTheEntries() {
        let dir = TemporaryDirectory(prefix: "vpick")
        let images = Self.versioned(dir, "images.v", directories: ["root_1", "root_2", "web_5"], files: ["app_1.raw", "app_3.raw", "app_9.img"])
        #expect(Self.pick(images + "/root___") == images + "/root_2")
        #expect(Self.pick(images + "/root___/") == images + "/root_2")
        #expect(Self.pick(images + "/app___.raw", directory: false) == images + "/app_3.raw")
        // Outside a .v directory "___" means nothing.
        #expect(Self.pick(dir.path + "/root___") == dir.path + "/root___")
    }

    @Test func theSuffixBeforeDotVIsTheEntriesSuffix() {
        let dir = TemporaryDirectory(prefix: "vpick")
        let images = Self.versioned(dir, "app.raw.v", files: ["app_1.raw", "app_2.raw", "app_7.img"])
        #expect(Self.pick(images, suffix: ".raw", directory: false) == images + "/app_2.raw")
    }

    @Test func entriesOfTheWrongTypeArePassedOver() {
        let dir = TemporaryDirectory(prefix: "vpick")
        let root = Self.versioned(dir, directories: ["root_1"], files: ["root_2"])
        dir.link("root.v/root_1.5", to: root + "/root_1")
        #expect(mkfifo(root + "/root_3", 0o600) == 0)
        #expect(Self.pick(root) == root + "/root_1.5", "a link to a directory is a directory")
        #expect(Self.pick(root, directory: false) == root + "/root_2", "a fifo is no image")
    }

    /// systemd 256 to 259 pick by name and then fail on a file.
    @Test func beforeSystemd260TheNewestNameIsTakenAndAFileFails() {
        let dir = TemporaryDirectory(prefix: "vpick")
        let root = Self.versioned(dir, directories: ["root_1"], files: ["root_2"])
        let result = VersionedPath.resolve(root, suffix: "", wantDirectory: true, rules: .v259)
        guard case .failure(let failure) = result else { Issue.record("picked \(result)"); return }
        #expect(failure.code == ENOTDIR)
        #expect(failure.message.contains(root + "/root_2"), "\(failure.message)")
        let fine = Self.versioned(dir, "fine.v", directories: ["fine_1", "fine_2"])
        #expect(Self.pick(fine, rules: .v259) == fine + "/fine_2")
        #expect(Self.pick(root, rules: .v260) == root + "/root_1", "260 passes the file over")
    }

    @Test func nothingToPickFailsWithENOENTNamingTheDirectory() {
        let dir = TemporaryDirectory(prefix: "vpick")
        for (name, entries) in [("empty.v", [String]()), ("none.v", ["other_1", "none_x,1", "none_1.5 beta", "none_2_\(Self.foreign.rawValue)"])] {
            let path = Self.versioned(dir, name, directories: entries)
            let result = VersionedPath.resolve(path, suffix: "", wantDirectory: true)
            guard case .failure(let failure) = result else { Issue.record("\(name): picked \(result)"); continue }
            #expect(failure.code == ENOENT)
            #expect(failure.message.contains(path) && failure.message.contains("VERSION"), "\(failure.message)")
        }
        let missing = VersionedPath.resolve(dir.path + "/missing.v", suffix: "", wantDirectory: true)
        guard case .failure(let failure) = missing else { Issue.record("picked \(missing)"); return }
        #expect(failure.code == ENOENT && failure.message.contains("missing.v"), "\(failure.message)")
    }
}
