extension UnitConfig {
    /// The unit as systemd runs it: the settings systemd derives from others applied on top of
    /// what was written (systemd's unit_patch_contexts). The scorer and the jail both use this,
    /// so the derivations live in one place.
    ///
    /// - DynamicUser=yes: User=/Group= from the unit name when unset, PrivateTmp=, RemoveIPC=,
    ///   NoNewPrivileges=, RestrictSUIDSGID= on, ProtectSystem=strict, ProtectHome=read-only if it was no.
    /// - PrivateDevices= drops CAP_MKNOD and CAP_SYS_RAWIO and turns DevicePolicy=auto into closed;
    ///   ProtectKernelModules= drops CAP_SYS_MODULE; ProtectKernelLogs= drops CAP_SYSLOG;
    ///   ProtectClock= drops CAP_SYS_TIME and CAP_WAKE_ALARM and allows reading char-rtc when a
    ///   device policy applies.
    /// - RootDirectory= (other than /), RootImage= or RootMStack= turns MountAPIVFS= on unless it was set.
    /// - For a service (systemd's service_add_extras): Type= defaults to dbus with a BusName=, else
    ///   simple with an ExecStart=, else oneshot, and a oneshot has no start timeout unless one was set; NotifyAccess= becomes
    ///   main when Type=notify or a watchdog or descriptor store needs it; Delegate= makes the OOM
    ///   policy continue; stdin data makes StandardInput=data; unless stdin is a tty, socket or fd,
    ///   an inherited stdout goes to the journal (stderr keeps inheriting: it follows stdout).
    ///
    /// NoNewPrivileges= is not implied by seccomp-based settings: systemd implies it only for an
    /// unprivileged manager, and brig, like the system manager, runs with CAP_SYS_ADMIN.
    public func withImplications() -> UnitConfig {
        var u = self
        let fs = u.exec.filesystem
        if fs.mountAPIVFS == nil, fs.hasRootOfItsOwn {
            u.exec.filesystem.mountAPIVFS = true
        }
        var caps = u.exec.capabilities.boundingSet ?? .all
        let sandbox = u.exec.sandbox
        if sandbox.privateDevices == true { caps.remove(.mknod); caps.remove(.sysRawio) }
        if sandbox.protectKernelModules == true { caps.remove(.sysModule) }
        if sandbox.protectKernelLogs == true { caps.remove(.syslog) }
        if sandbox.protectClock == true { caps.remove(.sysTime); caps.remove(.wakeAlarm) }
        if caps != (u.exec.capabilities.boundingSet ?? .all) { u.exec.capabilities.boundingSet = caps }

        if u.exec.identity.dynamicUser == true {
            if u.exec.identity.user == nil { u.exec.identity.user = AccountName.dynamicUser(forPrefix: name.prefix) }
            if u.exec.identity.group == nil { u.exec.identity.group = u.exec.identity.user }
            if u.rules.facts.dynamicUserDisconnectsTmp {
                if u.exec.filesystem.privateTmp != true {
                    u.exec.filesystem.privateTmp = true
                    u.exec.filesystem.privateTmpMode = "disconnected"
                }
            } else {
                u.exec.filesystem.privateTmp = true
            }
            u.exec.sandbox.removeIPC = true
            u.exec.filesystem.protectSystem = .strict
            if (u.exec.filesystem.protectHome ?? .no) == .no { u.exec.filesystem.protectHome = .readOnly }
            u.exec.sandbox.noNewPrivileges = true
            u.exec.sandbox.restrictSUIDSGID = true
        }

        if name.type == "service" { u.applyServiceImplications() }

        if sandbox.privateDevices == true, (u.resources.devicePolicy ?? .auto) == .auto {
            u.resources.devicePolicy = .closed
        }
        if (u.resources.devicePolicy ?? .auto) != .auto || !u.resources.deviceAllow.isEmpty {
            // RootMStack= too (260): its layers may be images, so systemd allows the same devices.
            if u.exec.filesystem.rootImage != nil || !u.exec.filesystem.mountImages.isEmpty || u.exec.filesystem.rootMStack != nil {
                u.resources.deviceAllow += [
                    DeviceRule(device: "/dev/loop-control", read: true, write: true, mknod: false),
                    DeviceRule(device: "/dev/mapper/control", read: true, write: true, mknod: false),
                    DeviceRule(device: "block-loop", read: true, write: true, mknod: true),
                    DeviceRule(device: "block-blkext", read: true, write: true, mknod: true),
                    DeviceRule(device: "block-device-mapper", read: true, write: true, mknod: true),
                ]
            }
            if sandbox.protectClock == true {
                u.resources.deviceAllow.append(DeviceRule(device: "char-rtc", read: true, write: false, mknod: false))
            }
        }
        return u
    }

    private mutating func applyServiceImplications() {
        if service.type == nil { service.type = service.busName != nil ? .dbus : service.execStart.isEmpty ? .oneshot : .simple }
        if service.type == .oneshot, service.timeoutStartSec == nil { service.timeoutStartSec = .infinity }
        let needsNotify = service.type == .notify || service.type == .notifyReload || (service.watchdogSec.map { $0.microseconds > 0 } ?? false)
            || (service.fileDescriptorStoreMax ?? 0) > 0
        if (service.notifyAccess ?? NotifyAccess.none) == NotifyAccess.none, needsNotify { service.notifyAccess = .main }
        if service.oomPolicy == nil, case .controllers? = resources.delegate { service.oomPolicy = .continue }

        var stdio = exec.stdio
        if (stdio.standardInput ?? .null) == .null, !stdio.inputData.isEmpty { stdio.standardInput = .data }
        switch stdio.standardInput {
        case .tty?, .ttyForce?, .ttyFail?, .socket?, .fd?: break
        default:
            if (stdio.standardOutput ?? .inherit) == .inherit { stdio.standardOutput = .journal }
        }
        exec.stdio = stdio
    }
}

extension UnitConfig {
    /// Why systemd refuses a unit whose settings, each valid, do not go together (its
    /// unit_verify_contexts()), for the combinations the release of the rules refuses; nil when it
    /// loads: a service with nothing to run, and PrivateUsers=managed (260) with a user.
    public var conflictingSettings: String? {
        if name.type == "service", service.execStart.isEmpty, service.execStop.isEmpty, unit.successAction == nil {
            return "Service has no ExecStart=, ExecStop=, or SuccessAction="
        }
        return managedUsersConflict
    }

    /// PrivateUsers=managed (260) runs the service as root of its leased block: systemd refuses
    /// to load a unit that also names a user or group.
    public var managedUsersConflict: String? {
        let id = exec.identity
        if exec.sandbox.privateUsersMode == "managed",
           id.user != nil || id.dynamicUser == true || id.group != nil || id.pamName != nil {
            return "PrivateUsers=managed may not be used in combination with User=/DynamicUser=/Group=/PAMName="
        }
        return nil
    }
}
