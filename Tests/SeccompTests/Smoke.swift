import Testing
@testable import Seccomp
