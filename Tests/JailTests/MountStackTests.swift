import Foundation
@testable import Jail
import Testing
import TestSupport
import UnitFile

/// How a `.mstack/` directory is read into a root (RootMStack=, 260), as systemd's mstack.c reads
/// it; the mounts themselves are RunRootMStackTests' and RootMStackDifferentialTests'.
struct MountStackTests {
    /// A stack with these directories (a trailing `>TARGET` makes the name a symlink to TARGET).
    static func stack(_ entries: [String]) -> TemporaryDirectory {
        let dir = TemporaryDirectory(prefix: "mstack")
        for entry in entries {
            let parts = entry.split(separator: ">", maxSplits: 1).map(String.init)
            if parts.count == 2 { dir.link(parts[0], to: parts[1]) } else { dir.write(entry + "/.keep", "") }
        }
        return dir
    }

    static func load(_ dir: TemporaryDirectory) -> Result<MountStack, MountStack.Failure> { MountStack.load(dir.path) }

    @Test func layersAreInVersionOrderBottomFirstWithRwOnTop() throws {
        let dir = Self.stack(["layer@10", "layer@9", "layer@2-rc", "rw", "layer@a"])
        let stack = try Self.load(dir).get()
        // A number sorts above letters at the same place, as in systemd's strverscmp_improved().
        #expect(stack.layers == ["layer@a", "layer@2-rc", "layer@9", "layer@10"].map { dir.path + "/" + $0 })
        #expect(stack.upper == dir.path + "/rw" && stack.root == .overlay && stack.binds.isEmpty)
        #expect(MountStackSteps.overlayOptions(stack, readOnly: false)
                == "lowerdir=\(dir.path)/layer@10:\(dir.path)/layer@9:\(dir.path)/layer@2-rc:\(dir.path)/layer@a,upperdir=\(dir.path)/rw/data,workdir=\(dir.path)/rw/work,userxattr")
    }

    @Test func withoutAnUpperLayerTheOverlayIsReadOnly() throws {
        let dir = Self.stack(["layer@1", "layer@2"])
        let stack = try Self.load(dir).get()
        #expect(MountStackSteps.overlayOptions(stack, readOnly: false) == "lowerdir=\(dir.path)/layer@2:\(dir.path)/layer@1,userxattr,ro")
    }

    /// In a read-only namespace rw/data, where it exists, is the top lower layer, and nothing is made.
    @Test func aReadOnlyNamespaceKeepsRwAsTheTopLowerLayer() throws {
        let dir = Self.stack(["layer@1", "layer@2", "rw"])
        let stack = try Self.load(dir).get()
        #expect(MountStackSteps.overlayOptions(stack, readOnly: true) == "lowerdir=\(dir.path)/layer@2:\(dir.path)/layer@1,userxattr,ro")
        dir.write("rw/data/.keep", "")
        #expect(MountStackSteps.overlayOptions(stack, readOnly: true) == "lowerdir=\(dir.path)/rw/data:\(dir.path)/layer@2:\(dir.path)/layer@1,userxattr,ro")
    }

    @Test func bindLocationsAreUnescapedAsMountUnitNames() throws {
        let dir = Self.stack(["layer@1", "layer@2", "robind@opt-ro", "bind@var-lib-my\\x2dapp", "bind@srv"])
        let stack = try Self.load(dir).get()
        // bind@ before robind@, each kind by location, as systemd mounts them.
        #expect(stack.binds.map(\.location) == ["/srv", "/var/lib/my-app", "/opt/ro"])
        #expect(stack.binds.map(\.readOnly) == [false, false, true])
        #expect(Specifiers.pathUnescape("-") == "/")
        for bad in ["-opt", "opt-", "a--b", "a\\x2", "a\\y41", "a-..-b"] { #expect(Specifiers.pathUnescape(bad) == nil, "\(bad)") }
    }

    /// root/ is the root and only the overlay's usr/ goes onto it; a lone layer is bound, not stacked.
    @Test func aRootTakesOnlyUsrFromTheLayers() throws {
        let stacked = try Self.load(Self.stack(["root", "layer@1", "layer@2"])).get()
        #expect(stacked.root == .directory(stacked.path + "/root") && stacked.hasOverlay)
        let steps = MountStackSteps.steps(stacked, root: "/r", readOnly: false, baseFilesystem: .v257).map(\.action)
        #expect(steps.contains(.bind(source: MountStackSteps.overlayStaging + "/usr", target: "/r/usr", recursive: false)))

        let lone = Self.stack(["root", "layer@1"])
        let missingUsr = Self.load(lone)
        #expect(throws: MountStack.Failure.self) { try missingUsr.get() }
        lone.write("layer@1/usr/.keep", "")
        let bound = try Self.load(lone).get()
        #expect(!bound.hasOverlay && bound.binds == [.init(source: lone.path + "/layer@1/usr", location: "/usr", readOnly: true)])

        let single = try Self.load(Self.stack(["layer@1"])).get()
        #expect(single.root == .directory(single.path + "/layer@1") && single.binds.isEmpty)
    }

    @Test func aBindOnRootHidesTheLayersAndRoot() throws {
        let dir = Self.stack(["root", "layer@1", "layer@2", "rw", "bind@-"])
        let stack = try Self.load(dir).get()
        #expect(stack.root == .directory(dir.path + "/bind@-") && !stack.hasOverlay && stack.binds.isEmpty)
    }

    @Test func neitherLayersNorRootMakeATmpfsRoot() throws {
        let stack = try Self.load(Self.stack(["bind@srv"])).get()
        #expect(stack.root == .tmpfs)
        #expect(MountStackSteps.steps(stack, root: "/r", readOnly: false, baseFilesystem: .v257).first?.action
                == .mount(source: stack.path, target: "/r", fstype: "tmpfs", flags: 0, data: "mode=0755"))
    }

    @Test func hiddenEntriesArePassedOver() throws {
        let dir = Self.stack(["layer@1", "layer@2", ".git"])
        dir.write(".notes", "")
        #expect(try Self.load(dir).get().layers.count == 2)
    }

    @Test func entriesMayBeSymlinks() throws {
        let base = TemporaryDirectory(prefix: "mstack-base")
        base.write("etc/.keep", "")
        let dir = Self.stack(["layer@0>\(base.path)", "layer@1"])
        #expect(try Self.load(dir).get().layers == [dir.path + "/layer@0", dir.path + "/layer@1"])
    }

    @Test func whatSystemdRefusesIsRefused() {
        func failure(_ entries: [String], file: String? = nil) -> MountStack.Failure? {
            let dir = Self.stack(entries)
            if let file { dir.write(file, "") }
            if case .failure(let f) = Self.load(dir) { return f }
            return nil
        }
        #expect(failure(["layer@1", "other"])?.code == EBADMSG)
        #expect(failure(["layer@"])?.code == EBADMSG)
        #expect(failure(["layer@1"], file: "notes.txt")?.code == EBADMSG)
        #expect(failure(["bind@opt", "robind@opt"])?.code == ENOTUNIQ)
        #expect(failure(["bind@opt-"])?.code == EINVAL)
        #expect(failure(["layer@1", "dangling>/nonexistent"])?.code == ENOENT)
    }

    /// Disk images need image dissection, refused by name as RootImage= is, versioned ones too.
    @Test func diskImagesAreRefusedByName() throws {
        let raw = Self.stack(["rw"])
        raw.write("layer@0.raw", "")
        guard case .failure(let image) = Self.load(raw) else { Issue.record("a .raw layer was accepted"); return }
        #expect(image.entry == raw.path + "/layer@0.raw" && image.description.contains("disk image"))
        guard case .failure(let versioned) = Self.load(Self.stack(["layer@1.raw.v"])) else { Issue.record("a .raw.v layer was accepted"); return }
        #expect(versioned.description.contains("versioned disk images"))
    }

    /// A `.v/` entry is the directory picked in it (systemd.v(7)), classified by its name without
    /// `.v`; a versioned stack is the stack picked in it, named with its symlinks resolved.
    @Test func versionedEntriesAndStacksArePicked() throws {
        let dir = Self.stack(["layer@1.v/layer@1_1", "layer@1.v/layer@1_2", "layer@1.v/layer@1_10", "layer@2", "rw.v/rw_7"])
        let stack = try Self.load(dir).get()
        #expect(stack.layers == [dir.path + "/layer@1.v/layer@1_10", dir.path + "/layer@2"])
        #expect(stack.upper == dir.path + "/rw.v/rw_7")
        let none = Self.stack(["layer@1.v/other_1", "layer@2"])
        #expect(throws: MountStack.Failure.self) { try Self.load(none).get() }

        let versions = TemporaryDirectory(prefix: "mstack-versions")
        versions.link("app.mstack.v/app_3.mstack", to: dir.path)
        versions.write("app.mstack.v/app_2.mstack/layer@1/.keep", "")
        #expect(try MountStack.load(versions.path + "/app.mstack.v").get().path == dir.path)
    }

    @Test func rwGetsDataAndWorkOnlyWhenWritable() throws {
        let dir = Self.stack(["layer@1", "rw"])
        let stack = try Self.load(dir).get()
        #expect(stack.prepareUpper() == nil)
        var st = stat()
        #expect(stat(dir.path + "/rw/data", &st) == 0 && st.st_mode & 0o7777 == 0o755)
        #expect(stat(dir.path + "/rw/work", &st) == 0)
        dir.write("rw/work/work/left", "")
        #expect(stack.prepareUpper() == nil)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/rw/work")) == [], "rw/work is emptied at each start")
        let linked = Self.stack(["layer@1", "rw/work", "rw/data>/tmp"])
        #expect(try Self.load(linked).get().prepareUpper()?.code == ELOOP)
    }
}
