import Testing
@testable import Jail

/// Who owns an exec directory under the rules of 257 and later, case by case as systemd 257's
/// setup_exec_directory() decides it.
struct ExecDirectoryOwnershipTests {
    static func decide(uid: UInt32 = 61200, gid: UInt32 = 61200, supported: Bool = true, isPrivate: Bool = true,
                       owner: (UInt32, UInt32)) -> ExecDirectoryOwnership {
        .decide(uid: uid, gid: gid, idMappingSupported: supported, isPrivate: isPrivate, owner: owner)
    }

    @Test func aDirectoryLeftToNobodyStaysSoAndIsMapped() {
        #expect(Self.decide(owner: (65534, 65534)) == .keptNobody)
        #expect(Self.decide(isPrivate: false, owner: (65534, 65534)) == .keptNobody)
        // Only both ids nobody's count.
        #expect(Self.decide(isPrivate: false, owner: (65534, 0)) == .service)
    }

    @Test func aFreshPrivateDirectoryBecomesNobodysAPublicOneTheServices() {
        #expect(Self.decide(owner: (0, 0)) == .nobody)
        #expect(Self.decide(isPrivate: false, owner: (0, 0)) == .service)
    }

    @Test func aDirectoryTheServiceOwnedBeforeStaysUnmapped() {
        #expect(Self.decide(owner: (61200, 61200)) == .service)
        #expect(Self.decide(owner: (1000, 1000)) == .service)
    }

    @Test func rootOrAFileSystemWithoutMappingsGetsTheServicesIds() {
        #expect(Self.decide(uid: 0, gid: 0, owner: (65534, 65534)) == .service)
        #expect(Self.decide(uid: 61200, gid: 0, owner: (0, 0)) == .service)
        #expect(Self.decide(uid: 0, gid: 61200, owner: (0, 0)) == .service)
        #expect(Self.decide(supported: false, owner: (65534, 65534)) == .service)
        #expect(!ExecDirectoryOwnership.service.idMapped && ExecDirectoryOwnership.nobody.idMapped
                && ExecDirectoryOwnership.keptNobody.idMapped)
    }
}
