/// DevicePolicy= and DeviceAllow=: the probe reads /dev/kmsg (bound in by
/// systemd's own /dev) and the extra nodes listed here.
extension JailSettings {
    static let devices: [Setting] = [
        Setting("DevicePolicy=closed", paths: ["/dev/zero"]),
        Setting("DeviceAllow=char-pts rw", paths: ["/dev/zero"]),
        Setting("DevicePolicy=strict", "DeviceAllow=/dev/null rw", "DeviceAllow=/dev/char/1:11 r", paths: ["/dev/zero"]),
        Setting("DevicePolicy=strict", "DeviceAllow=/dev/null rw", "DeviceAllow=char-m* r", paths: ["/dev/zero", "/dev/ptmx"]),
        Setting("PrivateDevices=yes", "DeviceAllow=/dev/kmsg r"),
    ]
}
