import Directives

extension LaunchRequest {
    /// This request with RootDirectory= a versioned directory (systemd.v(7), the rules of 256
    /// and later) replaced by the directory picked in it, so that the mounts, RootEphemeral='s
    /// copy, WorkingDirectory= and the command's path all see that one. Picked once per start;
    /// systemd picks as each command starts, which differs only if the directory changes while
    /// the service runs. When nothing fits, the start fails before anything of it is made, with
    /// systemd's 226 NAMESPACE (pin_rootfs() or pick_versions() in exec-invoke.c).
    public func pickingVersionedRoot() throws(JailError) -> LaunchRequest {
        guard rules.facts.rootDirectoryPicksVersion, let root = spec.mounts.rootDirectory else { return self }
        switch VersionedPath.resolve(root, suffix: "", wantDirectory: true, rules: rules) {
        case .success(let picked):
            var request = self
            request.spec.mounts.rootDirectory = picked
            request.ephemeralRoot?.source = picked
            return request
        case .failure(let failure):
            throw .refused(directive: "RootDirectory=\(root)", reason: failure.message, status: .namespace)
        }
    }
}
