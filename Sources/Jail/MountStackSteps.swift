import Directives
#if canImport(Glibc)
import Glibc
#endif

/// The child's steps that assemble a RootMStack= root on the staging root, in its mount
/// namespace and before anything else is mounted there, as systemd's mstack_make_mounts() and
/// mstack_bind_mounts() do with detached mounts; here with mount(2) on the paths, which the
/// kernel resolves inside the child (a symlinked entry is followed then, as systemd follows it).
enum MountStackSteps {
    /// Where the overlayfs waits while its usr/ is bound onto a root/ (brig's own directory).
    static let overlayStaging = "/run/brig/mstack-staging"

    /// What the steps need on the host before the fork: rw/data and rw/work of a writable stack
    /// (the only things systemd creates in it), and brig's staging directory for the overlayfs.
    static func prepare(_ stack: MountStack, readOnly: Bool) throws(JailError) {
        let directive = "RootMStack=\(stack.path)"
        if !readOnly, let failure = stack.prepareUpper() {
            throw .refused(directive: directive, reason: failure.description, status: .namespace)
        }
        if case .directory = stack.root, stack.hasOverlay {
            let code = SystemFiles.makeDirectories(overlayStaging, mode: 0o755)
            if code != 0 { throw .system("creating \(overlayStaging)", code) }
        }
    }

    /// `readOnly`: systemd's read-only namespace (MountSettings.namespaceReadOnly), which mounts
    /// the whole stack read-only and keeps rw/ as the top lower layer.
    static func steps(_ stack: MountStack, root: String, readOnly: Bool, baseFilesystem: BaseFilesystemTable) -> [JailStep] {
        let directive = "RootMStack=\(stack.path)"
        func step(_ action: JailAction) -> JailStep { JailStep(action, for: directive, failing: .namespace) }
        // Mount points in the root being assembled are found as systemd finds them: no symlink on the way.
        func bind(_ source: String, _ target: String) -> JailStep {
            var made = step(.bind(source: source, target: target, recursive: false))
            made.noSymlinks = true
            return made
        }
        var steps: [JailStep] = []
        let overlay = { (target: String) in
            step(.mount(source: stack.path, target: target, fstype: "overlay", flags: 0, data: overlayOptions(stack, readOnly: readOnly)))
        }
        switch stack.root {
        case .overlay:
            steps.append(overlay(root))
        case .tmpfs:
            steps.append(step(.mount(source: stack.path, target: root, fstype: "tmpfs", flags: 0, data: "mode=0755")))
        case .directory(let source):
            steps.append(step(.bind(source: source, target: root, recursive: false)))
            if stack.hasOverlay {
                // The overlayfs's usr/ alone goes onto the root's /usr (made when missing, as systemd makes it).
                steps.append(overlay(overlayStaging))
                steps.append(bind(overlayStaging + "/usr", root + "/usr"))
                steps.append(step(.unmountBelow(overlayStaging, detachCovers: true)))
            }
        }
        for entry in stack.binds {
            // robind@ is bound like bind@: systemd 260 to 262 end mstack_bind_mounts() by clearing
            // MOUNT_ATTR_RDONLY on every mount of the tree unless the namespace is read-only, so
            // a robind@ location stays writable under systemd too.
            steps.append(bind(entry.source, root + entry.location))
        }
        if readOnly {
            steps.append(step(.remount(path: root, set: MountFlags.attrReadOnly, clear: 0, recursive: true, except: [])))
        }
        // As setup_namespace() does in any root of the service's own, once it is in place.
        steps.append(step(.baseFilesystem(root: root, table: baseFilesystem)))
        return steps
    }

    /// overlayfs's options, layers top first: rw/ is the upper layer, or in a read-only namespace
    /// its data/ (when there is one) the top lower layer; without an upper layer the file system
    /// is read-only ("ro" makes the superblock so, the mount stays as systemd leaves it). userxattr
    /// as systemd sets it, so both keep an upper layer's whiteouts alike.
    static func overlayOptions(_ stack: MountStack, readOnly: Bool) -> String {
        var lower = stack.layers.reversed().map(escaped)
        var options: [String] = []
        var writable = false
        if let upper = stack.upper {
            if !readOnly {
                options += ["upperdir=" + escaped(upper + "/data"), "workdir=" + escaped(upper + "/work")]
                writable = true
            } else if access(upper + "/data", F_OK) == 0 {
                lower.insert(escaped(upper + "/data"), at: 0)
            }
        }
        return (["lowerdir=" + lower.joined(separator: ":")] + options + ["userxattr"] + (writable ? [] : ["ro"])).joined(separator: ",")
    }

    /// A path in overlayfs's options: its separators (`,` `:`) and `\` escaped with `\`.
    static func escaped(_ path: String) -> String {
        var out = ""
        for c in path {
            if c == "," || c == ":" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
